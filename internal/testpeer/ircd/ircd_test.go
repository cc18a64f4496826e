package ircd

import (
	"crypto/tls"
	"net"
	"reflect"
	"strconv"
	"testing"
)

func TestWatcherSeesChannelAndDirectMessages(t *testing.T) {
	s := Start(t)
	w := s.Watch(t, "watcher", "#awx")
	talker := s.Watch(t, "talker")
	talker.Say(t, "#awx", "hello channel")
	talker.Say(t, "watcher", "hello you")
	talker.Sync(t)
	w.Sync(t)
	want := []Privmsg{
		{From: "talker", Target: "#awx", Text: "hello channel"},
		{From: "talker", Target: "watcher", Text: "hello you"},
	}
	got := w.Messages()
	for i := range got {
		got[i].Raw = ""
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("watcher got %+v, want %+v", got, want)
	}
}

func TestTLSPortVerifiesWithCertPool(t *testing.T) {
	s := Start(t)
	conn, err := tls.Dial("tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort)), &tls.Config{RootCAs: s.CertPool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	conn.Close()
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		in   string
		want line
	}{
		{":n!u@h PRIVMSG #c :hi there", line{prefix: "n!u@h", command: "PRIVMSG", params: []string{"#c", "hi there"}}},
		{"PING :irc.test.local", line{command: "PING", params: []string{"irc.test.local"}}},
		{":srv 001 me :Welcome", line{prefix: "srv", command: "001", params: []string{"me", "Welcome"}}},
		{":srv 366 me #c :End", line{prefix: "srv", command: "366", params: []string{"me", "#c", "End"}}},
	}
	for _, tt := range tests {
		if got := parseLine(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseLine(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
