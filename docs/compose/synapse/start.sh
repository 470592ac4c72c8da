#!/bin/sh
# Runs as root only long enough to hand Synapse the bridge's registration (written 0600 by the
# bridge's user) and its own secrets, then drops to the synapse user.
set -eu
if [ ! -f /data/secrets.yaml ]; then
  umask 077
  for key in registration_shared_secret macaroon_secret_key form_secret; do
    printf '%s: "%s"\n' "$key" "$(/opt/synapse/bin/python -c 'import secrets; print(secrets.token_hex(32))')"
  done > /data/secrets.yaml
fi
if [ ! -f /bridge/registration.yaml ]; then
  echo "No /bridge/registration.yaml: run the bridge's generate-registration first (docs/compose/README.md)." >&2
  exit 1
fi
install -m 0600 -o synapse -g synapse /bridge/registration.yaml /data/appservice-irc.yaml
chown synapse:synapse /data /data/secrets.yaml
exec setpriv --reuid synapse --regid synapse --init-groups \
  /opt/synapse/bin/python -m synapse.app.homeserver --config-path /etc/synapse/homeserver.yaml --config-path /data/secrets.yaml
