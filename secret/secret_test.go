package secret

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	keyA = "0123456789abcdef0123456789abcdef"
	keyB = "fedcba9876543210fedcba9876543210"
)

func newBox(t *testing.T, key string) *Box {
	t.Helper()
	b, err := NewBox(key)
	if err != nil {
		t.Fatalf("NewBox: %v", err)
	}
	return b
}

func TestNewBoxKeyLength(t *testing.T) {
	tests := []struct {
		key     string
		wantErr bool
	}{
		{"", true},
		{strings.Repeat("k", 31), true},
		{strings.Repeat("k", 32), false},
		{strings.Repeat("k", 100), false},
	}
	for _, tt := range tests {
		_, err := NewBox(tt.key)
		if (err != nil) != tt.wantErr {
			t.Errorf("NewBox(%d bytes) err = %v, want error %v", len(tt.key), err, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "at least 32 bytes") {
			t.Errorf("NewBox error %q does not say the minimum", err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	b := newBox(t, keyA)
	for _, plain := range []string{"", "xoxb-token", "pässwörd ✓", strings.Repeat("x", 10000)} {
		enc, err := b.Encrypt(plain)
		if err != nil {
			t.Fatalf("Encrypt: %v", err)
		}
		if !strings.HasPrefix(enc, "$encrypted$AESGCM$") || !IsEncrypted(enc) {
			t.Errorf("Encrypt = %q, want $encrypted$AESGCM$ prefix", enc)
		}
		if plain != "" && strings.Contains(enc, plain) {
			t.Errorf("ciphertext contains the plaintext")
		}
		got, err := b.Decrypt(enc)
		if err != nil || got != plain {
			t.Errorf("Decrypt = %q, %v; want %q", got, err, plain)
		}
	}
}

func TestWrongKeyFails(t *testing.T) {
	enc, err := newBox(t, keyA).Encrypt("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	got, err := newBox(t, keyB).Decrypt(enc)
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Decrypt with wrong key = %q, %v; want ErrWrongKey", got, err)
	}
	for _, leak := range []string{"hunter2", keyA, keyB} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q leaks %q", err, leak)
		}
	}
}

func TestTamperFails(t *testing.T) {
	b := newBox(t, keyA)
	enc, err := b.Encrypt("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(enc, "$encrypted$AESGCM$"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw { // flip each byte: nonce, ciphertext and tag are all covered
		bad := append([]byte(nil), raw...)
		bad[i] ^= 0x01
		if _, err := b.Decrypt("$encrypted$AESGCM$" + base64.StdEncoding.EncodeToString(bad)); !errors.Is(err, ErrWrongKey) {
			t.Errorf("byte %d flipped: err = %v, want ErrWrongKey", i, err)
		}
	}
}

func TestDecryptMalformed(t *testing.T) {
	b := newBox(t, keyA)
	for _, s := range []string{
		"plain",
		"$encrypted$",
		"$encrypted$UTF8$AESCBC$Z0FBQUFBQm",
		"$encrypted$AESGCM$not base64!",
		"$encrypted$AESGCM$" + base64.StdEncoding.EncodeToString([]byte("short")),
	} {
		if got, err := b.Decrypt(s); err == nil {
			t.Errorf("Decrypt(%q) = %q, want error", s, got)
		}
	}
}

func TestNonceDiffersPerCall(t *testing.T) {
	b := newBox(t, keyA)
	seen := map[string]bool{}
	for range 50 {
		enc, err := b.Encrypt("same")
		if err != nil {
			t.Fatal(err)
		}
		nonce := enc[:len("$encrypted$AESGCM$")+16] // 12 bytes = 16 base64 chars
		if seen[nonce] {
			t.Fatalf("nonce repeated: %s", nonce)
		}
		seen[nonce] = true
	}
}

func TestIsEncrypted(t *testing.T) {
	tests := map[string]bool{
		"$encrypted$":               true,
		"$encrypted$AESGCM$abc":     true,
		"$encrypted$UTF8$AESCBC$xx": true,
		"":                          false,
		"secret":                    false,
		" $encrypted$":              false,
	}
	for s, want := range tests {
		if got := IsEncrypted(s); got != want {
			t.Errorf("IsEncrypted(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestLoadOrCreateKeyCreatesThenReuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	key, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("first call: created=%v err=%v", created, err)
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != 32 {
		t.Errorf("key %q is not base64 of 32 bytes (%v)", key, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	again, created, err := LoadOrCreateKey(path)
	if err != nil || created || again != key {
		t.Errorf("second call = %q, created=%v, err=%v; want the same key, not created", again, created, err)
	}
	if _, err := NewBox(key); err != nil {
		t.Errorf("created key not usable: %v", err)
	}
}

func TestLoadOrCreateKeyExisting(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
		wantErr             bool
	}{
		{"trimmed", "  " + keyA + "\n", keyA, false},
		{"too short", "short\n", "", true},
		{"empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, created, err := LoadOrCreateKey(path)
			if (err != nil) != tt.wantErr || got != tt.want || created {
				t.Errorf("= %q, created=%v, err=%v; want %q, error %v", got, created, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestLoadOrCreateKeyMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "key")
	if _, _, err := LoadOrCreateKey(path); err == nil {
		t.Error("want error when the directory does not exist")
	}
}
