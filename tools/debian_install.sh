#!/usr/bin/env bash
# Install Debian packages as root, waiting for apt's locks instead of failing at once.
#   tools/debian_install.sh PACKAGE...
# Another apt (unattended upgrades on a CI machine, a second terminal) may hold the locks for
# minutes. `apt-get install` waits for the dpkg lock with DPkg::Lock::Timeout; `apt-get update`
# does not wait for the lists lock (apt 2.6), so it is retried until the lock is free.
set -euo pipefail
wait_seconds="${APT_LOCK_WAIT:-900}"
install() { apt-get -o DPkg::Lock::Timeout="$wait_seconds" install -y -q "$@"; }

install "$@" >/dev/null 2>&1 && exit 0
deadline=$((SECONDS + wait_seconds))
until output="$(apt-get -o DPkg::Lock::Timeout="$wait_seconds" -q update 2>&1)"; do
    if [[ "$output" != *"Could not get lock"* ]] || ((SECONDS >= deadline)); then
        echo "$output" >&2
        exit 1
    fi
    sleep 5  # another apt holds the package lists; try again
done
install "$@"
