// Package secret encrypts notifier secrets at rest with AES-256-GCM, using a
// key derived from the service's key text, so a stolen database alone does not
// reveal tokens and passwords. It uses only the standard library.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

const (
	// Prefix marks any encrypted value (and the API's mask "$encrypted$").
	Prefix = "$encrypted$"
	// gcmPrefix marks values this package wrote.
	gcmPrefix = Prefix + "AESGCM$"
	// MinKeyLen is the shortest key text accepted, in bytes.
	MinKeyLen = 32
	hkdfInfo  = "herald secrets v1"
	nonceSize = 12
)

// ErrWrongKey means a value could not be decrypted: another key encrypted it,
// or it was altered. It never carries the value or the key.
var ErrWrongKey = errors.New("secret: cannot decrypt value (wrong key or corrupted data)")

// Box encrypts and decrypts values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox derives the AES-256 key from key text of at least MinKeyLen bytes.
func NewBox(key string) (*Box, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("secret: key must be at least %d bytes, got %d", MinKeyLen, len(key))
	}
	// HKDF turns any long-enough text (a passphrase too) into a uniform key,
	// and the info string lets a future format use a different key.
	k, err := hkdf.Key(sha256.New, []byte(key), nil, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("secret: derive key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("secret: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: gcm: %w", err)
	}
	return &Box{aead: aead}, nil
}

// IsEncrypted reports whether s is an encrypted value (or the API's mask).
func IsEncrypted(s string) bool { return strings.HasPrefix(s, Prefix) }

// Encrypt returns "$encrypted$AESGCM$" + base64(nonce || ciphertext) with a
// fresh random nonce, so equal secrets never look equal at rest.
func (b *Box) Encrypt(plain string) (string, error) {
	nonce := make([]byte, nonceSize, nonceSize+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: nonce: %w", err)
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(plain), nil)
	return gcmPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

// Decrypt reverses Encrypt. A value in another format is an error that names
// the format problem only; a wrong key or altered data is ErrWrongKey.
func (b *Box) Decrypt(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, gcmPrefix)
	if !ok {
		return "", errors.New("secret: value is not in the $encrypted$AESGCM$ format")
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", errors.New("secret: value is not valid base64")
	}
	if len(raw) < nonceSize+b.aead.Overhead() {
		return "", errors.New("secret: value is too short")
	}
	plain, err := b.aead.Open(nil, raw[:nonceSize], raw[nonceSize:], nil)
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}
