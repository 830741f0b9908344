"""A wall clock the test sets and moves by hand (the agent's components take any ``EpochClock``)."""


class SteppedClock:
    def __init__(self, now_s: float):
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s
