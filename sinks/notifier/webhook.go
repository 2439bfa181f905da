package notifier

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Header names of a webhook delivery.
const (
	HeaderTimestamp   = "X-Vigia-Timestamp"
	HeaderSignature   = "X-Vigia-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderIdempotency = "Idempotency-Key"
)

// Webhook posts messages as JSON to a ministry's endpoint.
type Webhook struct {
	// URL of the endpoint. Required.
	URL string
	// Secret signs every delivery; the receiver checks it with VerifySignature. Required.
	Secret []byte
	// Attempts is the number of tries, with exponential backoff between them. Default 5.
	Attempts int
	// MinWait and MaxWait bound the backoff. Defaults 500ms and 30s.
	MinWait, MaxWait time.Duration
	// Timeout bounds one attempt. Default 10s.
	Timeout time.Duration
}

// Send delivers m; it returns an error once every attempt failed.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	if w.URL == "" || len(w.Secret) == 0 {
		return errors.New("webhook: URL and Secret are required")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("cannot encode alert %s: %w", m.AlertID, err)
	}
	c := retryablehttp.NewClient()
	c.RetryMax = max(w.Attempts, 1) - 1
	if w.Attempts == 0 {
		c.RetryMax = 4
	}
	c.RetryWaitMin, c.RetryWaitMax = orDefault(w.MinWait, 500*time.Millisecond), orDefault(w.MaxWait, 30*time.Second)
	c.HTTPClient.Timeout = orDefault(w.Timeout, 10*time.Second)
	c.Logger = nil
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, w.URL, nil)
	if err != nil {
		return fmt.Errorf("cannot build the request to %s: %w", w.URL, err)
	}
	// Each attempt is signed anew, so a receiver may reject stale timestamps.
	req.SetBody(func() (io.Reader, error) { return bytes.NewReader(body), nil })
	c.RequestLogHook = func(_ retryablehttp.Logger, r *http.Request, _ int) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		r.Header.Set(HeaderTimestamp, ts)
		r.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotency, m.IdempotencyKey())
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("cannot deliver alert %s to %s: %w", m.IdempotencyKey(), w.URL, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("cannot deliver alert %s to %s: %s", m.IdempotencyKey(), w.URL, resp.Status)
	}
	return nil
}

// Sign is the signature header value for a timestamp and body.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a delivery as a receiver should: the signature matches and the
// timestamp is within maxAge of now.
func VerifySignature(secret []byte, r *http.Request, body []byte, maxAge time.Duration, now time.Time) error {
	ts := r.Header.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("missing or malformed " + HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return errors.New("stale timestamp")
	}
	if !hmac.Equal([]byte(r.Header.Get(HeaderSignature)), []byte(Sign(secret, ts, body))) {
		return errors.New("bad signature")
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
