"""One module per device profile interpreter: ``interpret(walk, device, acc)``."""
