#!/usr/bin/env bash
# Install the itops agent on a Debian/Ubuntu or RHEL-family host (RHEL, Rocky, Alma, CentOS Stream, Fedora):
# the itops-agent system user, a virtualenv in /opt/itops, /etc/itops/agent.yaml written from the flags,
# enrollment with a one-time token, and the hardened systemd unit beside this script, enabled and started.
#
# Run it as root. Running it again is safe: it upgrades the package, keeps the config (unless --reconfigure)
# and the certificate (an enrolled agent is not enrolled again), reinstalls the unit and restarts the agent.
# --uninstall removes all of it. deploy/README.md walks through a fleet.
#
# ITOPS_AGENT_BIN names the itops-agent program used for `enroll` and `check-config` (default: the one in the
# virtualenv); the tests point it at a stand-in.
set -euo pipefail

readonly PREFIX=/opt/itops
readonly CONFIG_DIR=/etc/itops
readonly CONFIG=$CONFIG_DIR/agent.yaml
readonly CA_FILE=$CONFIG_DIR/ca.pem
readonly DATA_DIR=/var/lib/itops-agent
readonly UNIT_DIR=/etc/systemd/system
readonly SERVICE=itops-agent
readonly SERVICE_USER=itops-agent
readonly TOKEN_PORT=9717   # the collector's gRPC port, where enrollment is served
readonly MTLS_PORT=9719    # the collector's mTLS port, where an enrolled agent sends
readonly MIN_PYTHON=(3 11)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR

usage() {
    cat <<EOF
Usage: $0 --collector HOST[:PORT] [--token TOKEN | --token-file FILE] [options]
       $0 --uninstall

Install, enroll and start the itops agent (run as root; safe to run again).

  --collector HOST[:PORT]  the collector's enrollment address (default port $TOKEN_PORT)
  --mtls-address HOST:PORT where the enrolled agent sends (default: the collector's host, port $MTLS_PORT)
  --ca-file FILE           the collector's CA certificate (ca.pem of \`itops-collector init-tls\`);
                           without it the system trust store verifies the collector
  --token TOKEN            one-time token of \`itops-collector enroll-token --agent-id ID\`
  --token-file FILE        the same, read from FILE (or set ITOPS_ENROLL_TOKEN)
  --agent-id ID            the agent's id at the collector (default: the hostname); must match the token's
  --hostname NAME          the host name reported (default: the system's)
  --wheel FILE             install this itops wheel instead of the package from the index
  --package SPEC           the pip requirement to install (default: 'itops[agent]')
  --pip-arg ARG            pass ARG to pip install (repeatable), e.g. --pip-arg=--index-url=URL,
                           --pip-arg=--no-index --pip-arg=--find-links=DIR for an offline host
  --python PROGRAM         Python >= ${MIN_PYTHON[0]}.${MIN_PYTHON[1]} for the virtualenv (default: the newest found)
  --unit FILE              the systemd unit to install (default: systemd/$SERVICE.service beside this script)
  --reconfigure            rewrite an existing $CONFIG from the flags
  --no-start               install and enroll, but do not enable or start the service
  --uninstall              stop and remove the agent, its config, data (unsent batches, key) and user
  -h, --help               this text
EOF
}

say() { printf 'install-agent: %s\n' "$*"; }
die() { printf 'install-agent: %s\n' "$*" >&2; exit 1; }

# ID and ID_LIKE of os-release(5), lower case, for the hints that name a package manager.
os_family() {
    local ids
    # shellcheck source=/dev/null
    ids=$( . /etc/os-release 2>/dev/null && printf '%s %s' "${ID:-}" "${ID_LIKE:-}" ) || ids=""
    case " $ids " in
        *" debian "* | *" ubuntu "*) echo debian ;;
        *" rhel "* | *" fedora "* | *" centos "*) echo rhel ;;
        *) echo unknown ;;
    esac
}

python_hint() {
    case $(os_family) in
        debian) echo "install it: apt-get install python3 python3-venv (Ubuntu 22.04: python3.11 python3.11-venv)" ;;
        rhel) echo "install it: dnf install python3.11 (then --python python3.11)" ;;
        *) echo "install Python ${MIN_PYTHON[0]}.${MIN_PYTHON[1]} or newer with its venv module" ;;
    esac
}

# True when $1 is a Python new enough, with venv and ensurepip (Debian splits them into python3-venv).
python_usable() {
    "$1" -c "import sys, venv, ensurepip; sys.exit(sys.version_info[:2] < (${MIN_PYTHON[0]}, ${MIN_PYTHON[1]}))" \
        >/dev/null 2>&1
}

choose_python() {
    if [[ -n $PYTHON ]]; then
        python_usable "$PYTHON" || die "$PYTHON is not Python >= ${MIN_PYTHON[0]}.${MIN_PYTHON[1]} with venv; $(python_hint)"
        return
    fi
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null && python_usable "$candidate"; then
            PYTHON=$candidate
            return
        fi
    done
    die "no Python >= ${MIN_PYTHON[0]}.${MIN_PYTHON[1]} with venv found; $(python_hint)"
}

# A value as a double-quoted YAML scalar. Values are checked against narrow patterns first; this only keeps a
# quote or backslash from ending the scalar early.
yaml_string() {
    local value=${1//\\/\\\\}
    printf '"%s"' "${value//\"/\\\"}"
}

check_flags() {
    [[ -z $COLLECTOR || $COLLECTOR =~ ^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$ ]] ||
        die "--collector: expected HOST or HOST:PORT, got '$COLLECTOR'"
    [[ -z $MTLS_ADDRESS || $MTLS_ADDRESS =~ ^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$ ]] ||
        die "--mtls-address: expected HOST:PORT, got '$MTLS_ADDRESS'"
    # The collector accepts these agent ids (collector/ingest/agent_credentials.py).
    [[ -z $AGENT_ID || $AGENT_ID =~ ^[A-Za-z0-9._-]{1,128}$ ]] ||
        die "--agent-id: letters, digits, '.', '_' and '-' only (at most 128), got '$AGENT_ID'"
    [[ -z $HOST_NAME || $HOST_NAME =~ ^[A-Za-z0-9._-]{1,253}$ ]] ||
        die "--hostname: letters, digits, '.', '_' and '-' only, got '$HOST_NAME'"
    [[ -z $CA_SOURCE || -r $CA_SOURCE ]] || die "--ca-file: cannot read $CA_SOURCE"
    [[ -z $WHEEL || -r $WHEEL ]] || die "--wheel: cannot read $WHEEL"
    [[ -r $UNIT_SOURCE ]] || die "cannot read the unit $UNIT_SOURCE (give --unit FILE)"
    [[ -n $COLLECTOR || (-e $CONFIG && $RECONFIGURE == no) ]] ||
        die "give --collector HOST[:PORT] (to write $CONFIG)"
    [[ -n $TOKEN ]] || enrolled ||
        die "not enrolled yet: give --token or --token-file (on the collector: itops-collector enroll-token --agent-id ID)"
}

enrolled() {
    [[ -s $DATA_DIR/agent.pem && -s $DATA_DIR/agent-key.pem ]]
}

create_user() {
    if id -u "$SERVICE_USER" >/dev/null 2>&1; then
        return
    fi
    local shell=/usr/sbin/nologin
    [[ -x $shell ]] || shell=/sbin/nologin
    useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell "$shell" \
        --comment "itops monitoring agent" "$SERVICE_USER"
    say "created the system user $SERVICE_USER"
}

install_package() {
    if [[ ! -x $PREFIX/bin/python ]]; then
        "$PYTHON" -m venv "$PREFIX"
        say "created the virtualenv $PREFIX ($("$PREFIX/bin/python" --version))"
    fi
    local requirement=$PACKAGE
    if [[ -n $WHEEL ]]; then
        requirement="$(realpath "$WHEEL")[agent]"
    fi
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$PREFIX/bin/python" -m pip install --quiet --upgrade \
        ${PIP_ARGS[@]+"${PIP_ARGS[@]}"} "$requirement"
    say "installed $requirement into $PREFIX"
}

write_config() {
    if [[ -e $CONFIG && $RECONFIGURE == no ]]; then
        say "kept $CONFIG (--reconfigure rewrites it from the flags)"
        return
    fi
    local host=${COLLECTOR%:*} address=$COLLECTOR
    if [[ ! $COLLECTOR =~ :[0-9]+$ ]]; then
        host=$COLLECTOR
        address=$COLLECTOR:$TOKEN_PORT
    fi
    local mtls_address=${MTLS_ADDRESS:-$host:$MTLS_PORT}
    local draft
    draft=$(mktemp "$CONFIG_DIR/.agent.yaml.XXXXXX")
    {
        echo "# Written by deploy/install-agent.sh; every option: docs/configuration.md."
        echo "collector:"
        echo "  address: $(yaml_string "$address")"
        echo "  mtls_address: $(yaml_string "$mtls_address")"
        [[ -z $CA_SOURCE ]] || echo "  ca_file: $CA_FILE"
        echo "  certificate_file: $DATA_DIR/agent.pem"
        echo "  key_file: $DATA_DIR/agent-key.pem"
        echo "buffer:"
        echo "  path: $DATA_DIR"
        [[ -z $AGENT_ID ]] || echo "agent_id: $(yaml_string "$AGENT_ID")"
        [[ -z $HOST_NAME ]] || echo "hostname: $(yaml_string "$HOST_NAME")"
        echo "inputs:"
        echo "  - type: host"
    } >"$draft"
    chown "root:$SERVICE_USER" "$draft"
    chmod 0640 "$draft"
    mv -f "$draft" "$CONFIG"
    say "wrote $CONFIG"
}

install_files() {
    install -d -m 0755 -o root -g root "$CONFIG_DIR"
    install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR"
    if [[ -n $CA_SOURCE ]]; then
        install -m 0644 -o root -g root "$CA_SOURCE" "$CA_FILE"
    fi
}

# The one step that talks to the collector: run as the service user, so the key it makes is the service's
# own (mode 0600 in the data directory). The token travels in the environment, not on a command line.
enroll() {
    if enrolled; then
        say "already enrolled ($DATA_DIR/agent.pem); to enroll again, delete it and its key first"
        return
    fi
    (cd / && ITOPS_ENROLL_TOKEN=$TOKEN runuser -u "$SERVICE_USER" -- "$AGENT_BIN" enroll -c "$CONFIG")
}

check_config() {
    (cd / && runuser -u "$SERVICE_USER" -- "$AGENT_BIN" check-config -c "$CONFIG")
}

install_unit() {
    install -d -m 0755 "$UNIT_DIR"
    install -m 0644 -o root -g root "$UNIT_SOURCE" "$UNIT_DIR/$SERVICE.service"
}

start_service() {
    if [[ $START == no ]]; then
        say "not started (--no-start): systemctl enable --now $SERVICE"
        return
    fi
    systemctl daemon-reload
    systemctl enable "$SERVICE"
    systemctl restart "$SERVICE"
    say "started $SERVICE: systemctl status $SERVICE; journalctl -u $SERVICE"
}

install_agent() {
    check_flags
    choose_python
    create_user
    install_package
    install_files
    write_config
    enroll
    check_config
    install_unit
    start_service
}

uninstall_agent() {
    local agent_id
    agent_id=$(sed -n 's/^agent_id: "\(.*\)"$/\1/p' "$CONFIG" 2>/dev/null) || true
    if [[ -e $UNIT_DIR/$SERVICE.service ]]; then
        systemctl disable --now "$SERVICE" || say "could not stop $SERVICE (continuing)"
        rm -f "$UNIT_DIR/$SERVICE.service"
        systemctl daemon-reload || true
    fi
    rm -rf "$DATA_DIR"
    rm -f "$CONFIG" "$CA_FILE"
    rmdir "$CONFIG_DIR" 2>/dev/null || true
    if [[ -e $UNIT_DIR/itops-collector.service ]]; then
        say "kept $PREFIX: the collector on this host runs from it"
    else
        rm -rf "$PREFIX"
    fi
    if id -u "$SERVICE_USER" >/dev/null 2>&1; then
        userdel "$SERVICE_USER"
    fi
    if getent group "$SERVICE_USER" >/dev/null; then
        groupdel "$SERVICE_USER"
    fi
    say "removed; on the collector: itops-collector revoke -c /etc/itops/collector.yaml ${agent_id:-$(hostname)}"
}

COLLECTOR="" MTLS_ADDRESS="" CA_SOURCE="" TOKEN=${ITOPS_ENROLL_TOKEN:-} AGENT_ID="" HOST_NAME=""
WHEEL="" PACKAGE="itops[agent]" PYTHON="" UNIT_SOURCE=$SCRIPT_DIR/systemd/$SERVICE.service
RECONFIGURE=no START=yes UNINSTALL=no
PIP_ARGS=()
AGENT_BIN=${ITOPS_AGENT_BIN:-$PREFIX/bin/itops-agent}

while (($#)); do
    option=$1
    value=""
    if [[ $option == --*=* ]]; then
        value=${option#*=}
        option=${option%%=*}
    elif [[ $option =~ ^--(collector|mtls-address|ca-file|token|token-file|agent-id|hostname|wheel|package|pip-arg|python|unit)$ ]]; then
        (($# >= 2)) || die "$option needs a value"
        value=$2
        shift
    fi
    case $option in
        --collector) COLLECTOR=$value ;;
        --mtls-address) MTLS_ADDRESS=$value ;;
        --ca-file) CA_SOURCE=$value ;;
        --token) TOKEN=$value ;;
        --token-file) [[ -r $value ]] || die "--token-file: cannot read $value"
                      TOKEN=$(head -n 1 "$value") ;;
        --agent-id) AGENT_ID=$value ;;
        --hostname) HOST_NAME=$value ;;
        --wheel) WHEEL=$value ;;
        --package) PACKAGE=$value ;;
        --pip-arg) PIP_ARGS+=("$value") ;;
        --python) PYTHON=$value ;;
        --unit) UNIT_SOURCE=$value ;;
        --reconfigure) RECONFIGURE=yes ;;
        --no-start) START=no ;;
        --uninstall) UNINSTALL=yes ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $option" ;;
    esac
    shift
done

((EUID == 0)) || die "run as root"
umask 022
if [[ $UNINSTALL == yes ]]; then
    uninstall_agent
else
    install_agent
fi
