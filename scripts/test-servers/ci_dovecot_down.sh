#!/usr/bin/env bash
# ci_dovecot_down.sh WORKDIR - stop the Dovecot of ci_dovecot_up.sh
HERE=$(dirname "$(readlink -f "$0")")
"$HERE/dovecot/stop.sh" "$1/dovecot"
