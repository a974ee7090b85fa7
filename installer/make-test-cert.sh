#!/usr/bin/env bash
# A throw-away code-signing certificate for CI (valid two days): a test CA and a signing certificate
# in DIR/test.pfx (password in DIR/pass), the CA in DIR/ca.pem to verify against. Never for release.
#   bash installer/make-test-cert.sh DIR
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/O=KommuneDesk CI/CN=KommuneDesk Test-CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:3072 -nodes -keyout sign.key -out sign.csr \
    -subj "/O=KommuneDesk CI/CN=KommuneDesk Testsignatur"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' > sign.ext
openssl x509 -req -in sign.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out sign.pem -days 2 \
    -extfile sign.ext 2>/dev/null
openssl rand -hex 16 | tr -d '\n' > pass
openssl pkcs12 -export -inkey sign.key -in sign.pem -certfile ca.pem -out test.pfx -passout file:pass
chmod 600 ca.key sign.key pass test.pfx
