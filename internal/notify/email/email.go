// Package email is elevate's email channel: one message per notification
// over SMTP, upgraded with STARTTLS and authenticated with AUTH PLAIN (what
// Amazon SES's SMTP endpoint expects), with a plain-text and an HTML part
// and a link to the request in the portal.
package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/notify"
)

// TLS modes.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	TLSImplicit = "tls"      // TLS from the start (port 465)
	TLSNone     = "none"     // no TLS: only for a local relay; AUTH is refused
)

// Config configures the SMTP server.
type Config struct {
	// Host and Port of the SMTP server (email-smtp.REGION.amazonaws.com:587
	// for SES). Port default 587.
	Host string
	Port int
	// Username and Password for AUTH PLAIN; empty Username: no AUTH. The
	// password is never logged.
	Username string
	Password string
	// From is the sender address. Required.
	From string
	// TLS is starttls (default), tls or none.
	TLS string
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	// Default: verify the server as Host.
	TLSConfig *tls.Config
	// Timeout bounds one delivery. Default 20s.
	Timeout time.Duration
}

// Sender sends email. It satisfies notify.Sender.
type Sender struct {
	cfg  Config
	from *mail.Address
}

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.Host == "" {
		return nil, errors.New("email: the SMTP host is required")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: from %q: %w", cfg.From, err)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	switch cfg.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("email: tls %q is not starttls, tls or none", cfg.TLS)
	}
	if cfg.TLS == TLSNone && cfg.Username != "" {
		return nil, errors.New("email: refusing to send the SMTP password without TLS")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}
	return &Sender{cfg: cfg, from: from}, nil
}

// Send emails m to its recipient.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	if m.Recipient.Email == "" {
		return &notify.PermanentError{Err: fmt.Errorf("email: %s has no email address", m.Recipient.UserName)}
	}
	to, err := mail.ParseAddress(m.Recipient.Email)
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("email: address %q: %w", m.Recipient.Email, err)}
	}
	msg, err := Compose(s.from, to, m, time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.deliver(ctx, to.Address, msg); err != nil {
		return fmt.Errorf("email: send to %s: %w", to.Address, err)
	}
	return nil
}

func (s *Sender) tlsConfig() *tls.Config {
	if s.cfg.TLSConfig != nil {
		c := s.cfg.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.cfg.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
}

// deliver runs one SMTP session.
func (s *Sender) deliver(ctx context.Context, to string, msg []byte) error {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if s.cfg.TLS == TLSImplicit {
		conn = tls.Client(conn, s.tlsConfig())
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("greeting: %w", err)
	}
	defer func() { _ = c.Close() }() // read-only or already-failed: its close error cannot matter
	if err := c.Hello("elevate"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return &notify.PermanentError{Err: errors.New("the server does not offer STARTTLS")}
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			return &notify.PermanentError{Err: fmt.Errorf("RCPT TO: %w", err)}
		}
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}

var htmlBody = template.Must(template.New("email").Parse(`<!doctype html>
<html><body style="font-family: sans-serif">
<p><strong>{{.Subject}}</strong></p>
<table>{{range .Rows}}<tr><th align="left" style="padding-right: 1em">{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
{{with .Outcome}}<p>Decisions: {{.}}</p>{{end}}
{{with .Use}}<p><strong>Use it now</strong></p>
<ul>{{range .Consoles}}<li><a href="{{.URL}}">Open the console: {{.Account}}</a></li>{{end}}</ul>
<p>AWS CLI profile: add it to <code>~/.aws/config</code>, then run <code>aws sso login --sso-session elevate</code>.</p>
<pre>{{.Profile}}</pre>{{end}}
<p><a href="{{.URL}}">Open the request in elevate</a></p>
</body></html>
`))

// Bodies are the message's two parts as Compose sends them: the plain
// text and the HTML (also what the notifications page shows).
func Bodies(m notify.Message) (text, html string, err error) {
	var b bytes.Buffer
	if err := htmlBody.Execute(&b, map[string]any{"Subject": m.Subject, "Rows": m.Voice.Details(m.Request),
		"Outcome": notify.Outcome(m.Request), "URL": m.URL, "Use": m.Use}); err != nil {
		return "", "", fmt.Errorf("email: render: %w", err)
	}
	return m.Text, b.String(), nil
}

// Compose builds the MIME message: multipart/alternative with a
// quoted-printable text part and an HTML part.
func Compose(from, to *mail.Address, m notify.Message, now time.Time) ([]byte, error) {
	text, html, err := Bodies(m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := "elevate.local"
	if at := strings.LastIndex(from.Address, "@"); at >= 0 {
		domain = from.Address[at+1:]
	}
	hdr := []string{
		"From: " + from.String(),
		"To: " + to.String(),
		"Subject: " + mime.QEncoding.Encode("utf-8", "[elevate] "+m.Subject),
		"Date: " + now.Format(time.RFC1123Z),
		"Message-ID: <" + hex.EncodeToString(id) + "@" + domain + ">",
		"MIME-Version: 1.0",
		"Content-Type: multipart/alternative; boundary=" + mw.Boundary(),
	}
	if m.NotificationID != "" {
		hdr = append(hdr, "X-Elevate-Notification: "+m.NotificationID)
	}
	var out bytes.Buffer
	out.WriteString(strings.Join(hdr, "\r\n") + "\r\n\r\n")
	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", html},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, fmt.Errorf("email: compose: %w", err)
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(strings.ReplaceAll(part.body, "\n", "\r\n"))); err != nil {
			return nil, fmt.Errorf("email: compose: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("email: compose: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("email: compose: %w", err)
	}
	out.Write(buf.Bytes())
	return out.Bytes(), nil
}
