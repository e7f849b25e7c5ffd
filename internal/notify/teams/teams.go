// Package teams posts elevate's notifications to Microsoft Teams channels
// as Adaptive Cards, through the incoming webhook of a Teams Workflows flow
// ("Send webhook alerts to a channel") per channel. The cards carry buttons
// that open the request in the portal; deciding inside Teams would need a
// bot, so approvers decide in the portal, Slack or the CLI.
package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/notify"
)

// Channel is one Teams channel: the name rules' notify_channels use
// ("teams:NAME") and its Workflows webhook URL. The URL carries the flow's
// signature: it is a secret, never logged.
type Channel struct {
	Name string
	URL  string
	// All: the channel hears about every request, not only those whose
	// rule names it.
	All bool
}

// Config configures the Teams channels.
type Config struct {
	Channels   []Channel
	HTTPClient *http.Client // default: 10 s timeout
}

// Client posts cards to the configured channels; it satisfies notify.Teams.
type Client struct {
	cfg Config
}

// New checks the channels: each has a name and an http(s) URL, names are
// unique.
func New(cfg Config) (*Client, error) {
	seen := map[string]bool{}
	for _, c := range cfg.Channels {
		if c.Name == "" || strings.ContainsAny(c.Name, " ,:=") {
			return nil, fmt.Errorf("teams: channel name %q is empty or has a space, comma, colon or =", c.Name)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("teams: channel %s is configured twice", c.Name)
		}
		seen[c.Name] = true
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("teams: the URL of channel %s is not an http(s) URL: copy the flow's HTTP POST URL from Teams Workflows", c.Name)
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{cfg: cfg}, nil
}

// ParseChannels reads channels written as NAME=URL entries separated by
// commas, spaces or newlines (the form of ELEVATE_NOTIFY_TEAMS_CHANNELS);
// the names in all hear about every request.
func ParseChannels(s string, all []string) ([]Channel, error) {
	var out []Channel
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		name, u, ok := strings.Cut(f, "=")
		if !ok || name == "" || u == "" || strings.ContainsAny(name, ":/?&") {
			return nil, fmt.Errorf("teams: channel entry %q is not NAME=URL", redact(f))
		}
		out = append(out, Channel{Name: name, URL: u, All: slices.Contains(all, name)})
	}
	for _, a := range all {
		if !slices.ContainsFunc(out, func(c Channel) bool { return c.Name == a }) {
			return nil, fmt.Errorf("teams: %s hears every request but no channel has that name", a)
		}
	}
	return out, nil
}

// redact keeps the name of a NAME=URL entry and the URL's host.
func redact(entry string) string {
	name, u, _ := strings.Cut(entry, "=")
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return name + "=" + p.Scheme + "://" + p.Host + "/…"
	}
	return name + "=…"
}

// Channels returns the configured channels' names and those that hear
// about every request.
func (c *Client) Channels() (names, all []string) {
	for _, ch := range c.cfg.Channels {
		names = append(names, ch.Name)
		if ch.All {
			all = append(all, ch.Name)
		}
	}
	return names, all
}

// Send posts m's card to the channel named name. An answer of 2xx is
// delivered; 400, 401, 403, 404 and 413 are permanent (a flow deleted or
// turned off, a card refused); others are retried. Errors never include the
// URL.
func (c *Client) Send(ctx context.Context, name string, m notify.Message) error {
	i := slices.IndexFunc(c.cfg.Channels, func(ch Channel) bool { return ch.Name == name })
	if i < 0 {
		return notify.SkipError{Reason: "no Teams channel " + name + " is configured"}
	}
	body, err := json.Marshal(Envelope(Card(m)))
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("teams: encode the card: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.Channels[i].URL, bytes.NewReader(body))
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("teams: channel %s: the URL is not valid", name)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "elevate-teams/1")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is a secret
		}
		return fmt.Errorf("teams: post to channel %s: %w", name, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusBadRequest, resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden,
		resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusRequestEntityTooLarge:
		return &notify.PermanentError{Err: fmt.Errorf("teams: channel %s answered %s: check the flow in Teams Workflows", name, resp.Status)}
	}
	return fmt.Errorf("teams: channel %s answered %s", name, resp.Status)
}
