package smtp

import (
	"errors"
	"testing"
)

func TestLoginServer(t *testing.T) {
	errBad := errors.New("bad")
	check := func(u, p string) error {
		if u == "herald" && p == "s3cret" {
			return nil
		}
		return errBad
	}
	tests := []struct {
		name      string
		responses []string // the first is the initial response ("" for none)
		wantErr   error
	}{
		{"asks for the username", []string{"", "herald", "s3cret"}, nil},
		{"username as initial response", []string{"herald", "s3cret"}, nil},
		{"wrong password", []string{"", "herald", "nope"}, errBad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &loginServer{check: check}
			var err error
			done := false
			for i, r := range tt.responses {
				var challenge []byte
				challenge, done, err = s.Next([]byte(r))
				last := i == len(tt.responses)-1
				if !last && (done || err != nil) {
					t.Fatalf("step %d ended early: done %v err %v", i, done, err)
				}
				if !last && string(challenge) != "Username:" && string(challenge) != "Password:" {
					t.Fatalf("step %d challenge %q", i, challenge)
				}
			}
			if !done || !errors.Is(err, tt.wantErr) {
				t.Fatalf("done %v err %v, want done with %v", done, err, tt.wantErr)
			}
		})
	}
}
