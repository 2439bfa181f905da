package notifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wneessen/go-mail"
)

// Email sends messages over SMTP, Spanish first then English, to a ministry's addresses.
type Email struct {
	// Host and Port of the SMTP server. Required.
	Host string
	Port int
	// Username and Password, when the server wants them (read from the environment).
	Username, Password string
	// TLS: "starttls" (required), "tls" (implicit) or "none" (a local relay). Default starttls.
	TLS string
	// From and To addresses. Required.
	From string
	To   []string
}

// Send delivers m as one e-mail.
func (e *Email) Send(ctx context.Context, m Message) error {
	msg, err := e.newMsg()
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("[Vigía %s] %s %s: %s %s / %s alert %s", strings.ToUpper(m.Severity), m.Country, m.PointName,
		typesES[m.Type], statesES[m.State], m.Type, statesEN[m.State])
	if inc := m.Incident; inc != nil {
		subject = fmt.Sprintf("[Vigía %s] %s: incidente de %s %s / %s incident %s (%d)", strings.ToUpper(inc.Severity), m.Country,
			typesES[m.Type], incidentES[inc.State], m.Type, statesEN[inc.State], len(inc.Changes))
	}
	msg.Subject(subject)
	msg.SetGenHeader("Idempotency-Key", m.IdempotencyKey())
	msg.SetBodyString(mail.TypeTextPlain, m.TextES+"\n\n---\n\n"+m.TextEN+"\n")
	return e.deliver(ctx, msg, "alert "+m.IdempotencyKey())
}

// newMsg is a message from the sender to its recipients.
func (e *Email) newMsg() (*mail.Msg, error) {
	if e.Host == "" || e.From == "" || len(e.To) == 0 {
		return nil, errors.New("email: Host, From and To are required")
	}
	msg := mail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return nil, fmt.Errorf("email: From %q: %w", e.From, err)
	}
	if err := msg.To(e.To...); err != nil {
		return nil, fmt.Errorf("email: To %v: %w", e.To, err)
	}
	return msg, nil
}

// Attachment is a file sent with an e-mail.
type Attachment struct {
	Name, ContentType string
	Body              []byte
}

// SendBulletin e-mails a bulletin: its subject, a plain-text body (with the link) and the
// bulletin's files attached.
func (e *Email) SendBulletin(ctx context.Context, subject, body string, files []Attachment) error {
	msg, err := e.newMsg()
	if err != nil {
		return err
	}
	msg.Subject(subject)
	msg.SetBodyString(mail.TypeTextPlain, body)
	for _, f := range files {
		if err := msg.AttachReader(f.Name, bytes.NewReader(f.Body), mail.WithFileContentType(mail.ContentType(f.ContentType))); err != nil {
			return fmt.Errorf("email: cannot attach %s: %w", f.Name, err)
		}
	}
	return e.deliver(ctx, msg, "bulletin")
}

func (e *Email) deliver(ctx context.Context, msg *mail.Msg, what string) error {
	opts := []mail.Option{mail.WithPort(e.Port)}
	switch e.TLS {
	case "", "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return fmt.Errorf("email: TLS %q must be starttls, tls or none", e.TLS)
	}
	if e.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(e.Username), mail.WithPassword(e.Password))
	}
	c, err := mail.NewClient(e.Host, opts...)
	if err != nil {
		return fmt.Errorf("email: cannot use %s:%d: %w", e.Host, e.Port, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("cannot e-mail %s via %s:%d: %w", what, e.Host, e.Port, err)
	}
	return nil
}
