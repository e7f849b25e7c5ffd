package integrations

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/elevate/elevate/internal/policy"
)

// Jira reads issues from Jira Cloud's REST API v3 with basic
// authentication (an account's email and an API token).
type Jira struct {
	c    *client
	base string
}

// NewJira returns the Jira integration for the site at cfg.BaseURL
// (https://example.atlassian.net).
func NewJira(cfg ClientConfig, email, token string) (*Jira, error) {
	cfg.Name = "Jira"
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("Jira: the site URL is empty")
	}
	if email == "" || token == "" {
		return nil, fmt.Errorf("Jira: the email and the API token are both needed")
	}
	c, err := newClient(cfg, func(r *http.Request) { r.SetBasicAuth(email, token) })
	if err != nil {
		return nil, err
	}
	return &Jira{c: c, base: c.base.String()}, nil
}

// jiraKey is an issue key: a project key, a dash, a number.
var jiraKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*-[0-9]+$`)

type jiraIssue struct {
	Key    string `json:"key"`
	Fields struct {
		Summary string `json:"summary"`
		Status  struct {
			Name           string `json:"name"`
			StatusCategory struct {
				Key  string `json:"key"`
				Name string `json:"name"`
			} `json:"statusCategory"`
		} `json:"status"`
		Assignee *struct {
			AccountID    string `json:"accountId"`
			EmailAddress string `json:"emailAddress"`
			DisplayName  string `json:"displayName"`
		} `json:"assignee"`
		Project struct {
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"project"`
	} `json:"fields"`
}

// Ticket reads the issue's status, summary, assignee and project.
func (j *Jira) Ticket(ctx context.Context, key string) policy.TicketFact {
	if !jiraKey.MatchString(key) {
		return policy.TicketFact{Key: key} // not a Jira key: no such issue
	}
	var is jiraIssue
	err := j.c.getJSON(ctx, "/rest/api/3/issue/"+url.PathEscape(key), url.Values{"fields": {"status,summary,assignee,project"}}, &is)
	if NotFound(err) {
		return policy.TicketFact{Key: key}
	}
	if err != nil {
		return policy.TicketFact{Key: key, Err: err.Error()}
	}
	t := policy.TicketFact{Found: true, Key: is.Key, Title: is.Fields.Summary, URL: j.base + "/browse/" + is.Key,
		Project: is.Fields.Project.Key, Status: is.Fields.Status.Name, StatusCategory: is.Fields.Status.StatusCategory.Key}
	if a := is.Fields.Assignee; a != nil {
		t.Assignee = a.EmailAddress
		if t.Assignee == "" { // the assignee hides their email: compare by name never matches an email
			t.Assignee = a.DisplayName
		}
	}
	return t
}

// Ping checks the site and the credentials (GET /rest/api/3/myself).
func (j *Jira) Ping(ctx context.Context) error {
	var out map[string]any
	return j.c.getJSON(ctx, "/rest/api/3/myself", nil, &out)
}
