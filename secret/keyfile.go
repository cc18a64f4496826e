package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// LoadOrCreateKey returns the key text stored at path, or creates the file
// with 32 random bytes (base64) and mode 0600 when it does not exist. The
// directory must exist. created says whether the file was written now.
func LoadOrCreateKey(path string) (key string, created bool, err error) {
	key, err = readKey(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("secret: generate key: %w", err)
	}
	key = base64.StdEncoding.EncodeToString(raw)
	// O_EXCL: if another process created the file meanwhile, use its key
	// rather than overwrite a key that may already encrypt data.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		key, err = readKey(path)
		return key, false, err
	}
	if err != nil {
		return "", false, fmt.Errorf("secret: create key file: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", false, fmt.Errorf("secret: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", false, fmt.Errorf("secret: write key file: %w", err)
	}
	return key, true, nil
}

func readKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("secret: read key file: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if len(key) < MinKeyLen {
		return "", fmt.Errorf("secret: key file %s holds %d bytes, need at least %d", path, len(key), MinKeyLen)
	}
	return key, nil
}
