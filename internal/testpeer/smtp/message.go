package smtp

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is one accepted message: the envelope, who authenticated, and the
// content decoded as a mail reader would show it.
type Message struct {
	From      string   // MAIL FROM
	To        []string // RCPT TO, in order
	User      string   // the authenticated username, "" without AUTH
	Mechanism string   // the AUTH mechanism used (PLAIN, LOGIN)
	TLS       bool     // the session was encrypted
	Header    mail.Header
	Subject   string // decoded (RFC 2047)
	Body      string // decoded (quoted-printable or base64), line ends as \n, no final one
	Raw       []byte // the message as received
}

func parse(raw []byte) (Message, error) {
	pm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("read message: %w", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(pm.Header.Get("Subject"))
	if err != nil {
		return Message{}, fmt.Errorf("decode subject: %w", err)
	}
	var body io.Reader = pm.Body
	switch strings.ToLower(pm.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return Message{}, fmt.Errorf("decode body: %w", err)
	}
	// Readers show lines, not CRLF pairs; the line end that closes the
	// message on the wire is not part of what was written.
	text := strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	return Message{Header: pm.Header, Subject: subject, Body: text, Raw: raw}, nil
}

// newlineStripper drops the line breaks base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}
