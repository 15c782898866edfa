#!/bin/bash
# ogrun key gen / show: modes, refusals and exact errors.
. "$(dirname "$0")/tap.sh"

k=$TMP/k/node.key
pk=$("$OGRUN" key gen "$k")
ok $? "key gen writes a new key"
[ "$(stat -c %a "$k")" = 600 ]
ok $? "key file is mode 600"
[ "$(stat -c %a "$TMP/k")" = 700 ]
ok $? "key directory created mode 700"
[ ${#pk} -eq 64 ]
ok $? "key gen prints the 64-hex-digit public key"
[ "$("$OGRUN" key show "$k")" = "$pk" ]
ok $? "key show prints the same public key"
grep -q "$pk" "$k"
ok $((!$?)) "the key file does not contain the public key in clear (it holds the seed)"
before=$(sha256sum "$k")
expect_fail "key gen refuses to overwrite" \
	"ogrun: $k: already exists; refusing to overwrite a key" "$OGRUN" key gen "$k"
[ "$(sha256sum "$k")" = "$before" ]
ok $? "the existing key is untouched"
chmod 644 "$k"
expect_fail "a key readable by others is refused" \
	"ogrun: $k: key file mode 0644 is readable by others; chmod 600 it" "$OGRUN" key show "$k"
chmod 600 "$k"
printf 'not a key\n' >"$TMP/bad.key"; chmod 600 "$TMP/bad.key"
expect_fail "a file that is not a key is refused" \
	"ogrun: $TMP/bad.key: not an ogx key (want 64 hex digits and a newline)" \
	"$OGRUN" key show "$TMP/bad.key"
expect_fail "a missing key is named" \
	"ogrun: $TMP/none.key: No such file or directory" "$OGRUN" key show "$TMP/none.key"
pk2=$("$OGRUN" key gen)
ok $? "key gen without FILE writes \$OGX_HOME/node.key"
[ "$("$OGRUN" key show)" = "$pk2" ] && [ -f "$OGX_HOME/node.key" ]
ok $? "key show without FILE reads it"
long=$TMP/$(printf 'd%.0s' {1..4100})
expect_fail "a node home too long for the key's path is named" \
	"ogrun: key: node.key: its path in the node's home (\$OGX_HOME) is longer than 4095 bytes" \
	env OGX_HOME="$long" "$OGRUN" key show
expect_fail "chain show names it too" \
	"ogrun: chain: node.key: its path in the node's home (\$OGX_HOME) is longer than 4095 bytes" \
	env OGX_HOME="$long" "$OGRUN" chain show
expect_fail "unknown key command" "ogrun: key: 'rotate' is not a key command
Usage: ogrun key gen [FILE]
       ogrun key show [FILE]
FILE defaults to \$OGX_HOME/node.key (OGX_HOME: ~/.local/share/ogx)." "$OGRUN" key rotate
done_testing
