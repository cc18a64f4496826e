package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Signed webhooks follow Standard Webhooks v1 (https://www.standardwebhooks.com/):
// the secret is "whsec_" and the base64 of 24 to 64 random bytes; each
// request carries webhook-id, webhook-timestamp and webhook-signature, the
// last "v1," and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>".
const (
	secretPrefix   = "whsec_"
	minSecretBytes = 24
	maxSecretBytes = 64
)

// GenerateSecret makes a new signing secret: 32 random bytes. A notifier
// saved with "signing_secret": "generate" gets one (notify.Field.Generate).
func GenerateSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// secretKey returns the HMAC key of a whsec_ secret.
func secretKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return nil, fmt.Errorf("must start with %q", secretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("must be %q followed by base64", secretPrefix)
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, fmt.Errorf("must hold %d to %d bytes, not %d", minSecretBytes, maxSecretBytes, len(key))
	}
	return key, nil
}

// checkSecret reports a problem with c[key] when it is set and not a valid secret.
func checkSecret(value, key string) []string {
	if value == "" {
		return nil
	}
	if _, err := secretKey(value); err != nil {
		// The value is a secret: the message never repeats it.
		return []string{fmt.Sprintf("Configuration field '%s' %v (a Standard Webhooks secret, or \"generate\" to have one made).", key, err)}
	}
	return nil
}

// Sign returns the v1 signature of one request.
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// signatures is the webhook-signature header for secrets (the current one
// and, during a rotation, the previous), space-separated; "" for none.
func signatures(secrets []string, id string, timestamp int64, body []byte) (string, error) {
	var out []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		sig, err := Sign(s, id, timestamp, body)
		if err != nil {
			return "", err
		}
		out = append(out, sig)
	}
	return strings.Join(out, " "), nil
}
