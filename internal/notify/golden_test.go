package notify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/notify/email"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/webhook"
	"github.com/elevate/elevate/internal/say/saytest"
)

// goldenConfig is the notifications' configuration of the golden tests:
// the access portal is known, so the active message carries the console
// link and the profile.
func goldenConfig() notify.Config {
	return notify.Config{PublicURL: saytest.PublicURL, AccessPortalURL: saytest.PortalURL, SSORegion: saytest.SSORegion}.WithDefaults()
}

// render renders the fixture's activation for alice on channel.
func render(channel string) notify.Message {
	n := access.Notification{ID: saytest.NotificationID, RequestID: saytest.RequestID, Channel: channel, RecipientID: saytest.Alice.ID}
	recip := saytest.Alice
	if channel == notify.ChannelWebhook {
		n.RecipientID, recip = "", access.User{}
	}
	return goldenConfig().RenderNamed(n, saytest.Activation(), saytest.Request(), recip, saytest.Accounts())
}

// TestGoldenSlack: the "active" DM as Block Kit: names, human durations,
// Slack date tokens (each reader sees their own zone), the console button
// and the profile.
func TestGoldenSlack(t *testing.T) {
	saytest.Golden(t, "active.slack", indentJSON(t, slack.Blocks(render(notify.ChannelSlack))))
}

// TestGoldenEmail: the "active" email (times in UTC: the reader has no
// setting), its subject, text and HTML parts.
func TestGoldenEmail(t *testing.T) {
	m := render(notify.ChannelEmail)
	raw, err := email.Compose(&mail.Address{Name: "elevate", Address: "elevate@example.com"}, &mail.Address{Address: saytest.Alice.Email}, m, saytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "Subject: %s\n", subject)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p) // NextPart undoes the quoted-printable encoding
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "\n--- %s\n%s", p.Header.Get("Content-Type"), strings.ReplaceAll(string(body), "\r\n", "\n"))
	}
	saytest.Golden(t, "active.email", []byte(out.String()))
}

// TestGoldenWebhook: the webhook keeps its machine fields and adds the
// readable text, named accounts and the duration as people write it.
func TestGoldenWebhook(t *testing.T) {
	saytest.Golden(t, "active.webhook", indentJSON(t, webhook.PayloadOf(render(notify.ChannelWebhook))))
}

// indentJSON is v as indented JSON with <, > and & as they are, for
// golden files people read.
func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGoldenSlackApproval: the DM that asks bob to decide, where approvers
// decide: names, the human duration, the start as a Slack date token, and
// the buttons.
func TestGoldenSlackApproval(t *testing.T) {
	n := access.Notification{ID: saytest.NotificationID, RequestID: saytest.RequestID, Channel: notify.ChannelSlack, RecipientID: saytest.Bob.ID}
	m := goldenConfig().RenderNamed(n, saytest.Submission(), saytest.Pending(), saytest.Bob, saytest.Accounts())
	saytest.Golden(t, "submitted.slack", indentJSON(t, slack.Blocks(m)))
}
