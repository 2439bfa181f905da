package notifier

import (
	"context"
	"strings"
	"testing"

	"github.com/vigia-observatory/vigia/internal/testenv"
)

func TestEmailReachesTheSMTPServer(t *testing.T) {
	srv := testenv.SMTP(t)
	e := &Email{Host: "127.0.0.1", Port: srv.Port, TLS: "none", From: "vigia@observatorio.example", To: []string{"alertas@ministerio.example"}}
	if err := e.Send(context.Background(), msg("a9", 1)); err != nil {
		t.Fatal(err)
	}
	msgs, rcpt := srv.Messages()
	if len(msgs) != 1 || rcpt[0] != "alertas@ministerio.example" {
		t.Fatalf("server holds %d messages for %v", len(msgs), rcpt)
	}
	body := msgs[0]
	for _, want := range []string{"Idempotency-Key: a9-v1", "Subject:", "Lajas Blancas", "Migration flow alert OPENED"} {
		if !strings.Contains(body, want) {
			t.Errorf("message lacks %q:\n%s", want, body)
		}
	}
}

func TestEmailConfigErrors(t *testing.T) {
	t.Parallel()
	if err := (&Email{}).Send(context.Background(), msg("a", 1)); err == nil {
		t.Error("empty config accepted")
	}
	if err := (&Email{Host: "h", From: "a@b.c", To: []string{"d@e.f"}, TLS: "maybe"}).Send(context.Background(), msg("a", 1)); err == nil || !strings.Contains(err.Error(), "starttls, tls or none") {
		t.Errorf("bad TLS: %v", err)
	}
}
