#!/usr/bin/env bash
# The hall's TLS certificates (install-server.sh setup runs it):
#
#   make-certs.sh CA_DIR SERVER_DIR NAME
#
# CA_DIR/hall-ca.key, hall-ca.crt: the hall's own CA (P-256, 10 years), made once and kept;
# its certificate is copied to every station (PGSSLROOTCERT). SERVER_DIR/server.key,
# server.crt: the server's key and certificate (825 days), made anew each run, for NAME (a
# DNS name or an IP address: what the stations' register URL names) and localhost, owned by
# postgres if that user exists. The stations check it with PGSSLMODE=verify-full.
set -euo pipefail
ca="${1:?用法：make-certs.sh CA目录 服务器证书目录 服务器名}"
dir="${2:?用法：make-certs.sh CA目录 服务器证书目录 服务器名}"
name="${3:?用法：make-certs.sh CA目录 服务器证书目录 服务器名}"
[[ "$name" =~ ^[A-Za-z0-9.:-]+$ ]] || { echo "错误：服务器名格式不对：$name" >&2; exit 1; }
umask 077

if [[ ! -f "$ca/hall-ca.key" ]]; then
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -subj "/CN=chuangkou hall CA" -keyout "$ca/hall-ca.key" -out "$ca/hall-ca.crt" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        2>/dev/null
    chmod 0644 "$ca/hall-ca.crt"
fi
if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san="IP:$name"; else san="DNS:$name"; fi
san="$san,DNS:localhost,IP:127.0.0.1"
csr="$(mktemp)"
trap 'rm -f -- "$csr"' EXIT
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "$dir/server.key" -out "$csr" 2>/dev/null
openssl x509 -req -in "$csr" -CA "$ca/hall-ca.crt" -CAkey "$ca/hall-ca.key" \
    -CAcreateserial -CAserial "$ca/hall-ca.srl" -days 825 -out "$dir/server.crt" -extfile <(
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san"
    ) 2>/dev/null
chmod 0644 "$dir/server.crt"
if getent passwd postgres >/dev/null; then chown postgres: "$dir/server.key" "$dir/server.crt"; fi
echo "服务器证书：CN=$name（$san），由大厅 CA 签发；把 $ca/hall-ca.crt 复制到每个工位" >&2
