#!/bin/sh
# /usr/local/bin/chuangkou: the application for the technician's shell, with the same
# environment as the counter's unit (TLS to the hall's server, the pgpass file). Run it as
# the station's user, whose files these are: sudo -u chuangkou chuangkou doctor
set -a
[ -r /etc/chuangkou/counter.env ] && . /etc/chuangkou/counter.env
set +a
: "${CHUANGKOU_STATE_DIR:=/var/lib/chuangkou/station}"
: "${CHUANGKOU_LOG_DIR:=/var/log/chuangkou}"
export CHUANGKOU_STATE_DIR CHUANGKOU_LOG_DIR
exec /opt/chuangkou/venv/bin/chuangkou "$@"
