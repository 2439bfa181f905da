package notify

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpSink is a real SMTP server (go-smtp) that keeps what it receives.
type smtpSink struct {
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func (s *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct{ s *smtpSink }

func (x *session) Mail(string, *smtp.MailOptions) error { return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	x.s.rcpt = append(x.s.rcpt, to)
	x.s.mu.Unlock()
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, string(b))
	x.s.mu.Unlock()
	return err
}
func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }

func TestEmailReachesTheSMTPServer(t *testing.T) {
	sink := &smtpSink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	e := &Email{Host: "127.0.0.1", Port: port, TLS: "none", From: "vigia@observatorio.example", To: []string{"alertas@ministerio.example"}}
	if err := e.Send(context.Background(), msg("a9", 1)); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 1 || sink.rcpt[0] != "alertas@ministerio.example" {
		t.Fatalf("server holds %d messages for %v", len(sink.msgs), sink.rcpt)
	}
	body := sink.msgs[0]
	for _, want := range []string{"Idempotency-Key: a9-v1", "Subject:", "Lajas Blancas", "Migration flow alert OPENED"} {
		if !strings.Contains(body, want) {
			t.Errorf("message lacks %q:\n%s", want, body)
		}
	}
}

func TestEmailConfigErrors(t *testing.T) {
	if err := (&Email{}).Send(context.Background(), msg("a", 1)); err == nil {
		t.Error("empty config accepted")
	}
	if err := (&Email{Host: "h", From: "a@b.c", To: []string{"d@e.f"}, TLS: "maybe"}).Send(context.Background(), msg("a", 1)); err == nil || !strings.Contains(err.Error(), "starttls, tls or none") {
		t.Errorf("bad TLS: %v", err)
	}
}
