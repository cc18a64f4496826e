package smtp

import (
	"errors"

	"github.com/emersion/go-sasl"
)

// loginServer is the server side of AUTH LOGIN, which go-sasl only has as a
// client: it asks for the username, then the password. A client may send the
// username as the initial response.
type loginServer struct {
	step     int
	username string
	check    func(username, password string) error
}

var _ sasl.Server = (*loginServer)(nil)

func (s *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		s.step = 1
		if len(response) == 0 {
			return []byte("Username:"), false, nil
		}
		s.username = string(response)
		s.step = 2
		return []byte("Password:"), false, nil
	case 1:
		s.username = string(response)
		s.step = 2
		return []byte("Password:"), false, nil
	case 2:
		s.step = 3
		return nil, true, s.check(s.username, string(response))
	}
	return nil, false, errors.New("unexpected response")
}
