package integrations

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"

	"github.com/elevate/elevate/internal/policy"
)

// ServiceNow reads records from the ServiceNow Table API with basic
// authentication.
type ServiceNow struct {
	c    *client
	base string
}

// NewServiceNow returns the ServiceNow integration for the instance at
// cfg.BaseURL (https://example.service-now.com).
func NewServiceNow(cfg ClientConfig, user, password string) (*ServiceNow, error) {
	cfg.Name = "ServiceNow"
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("ServiceNow: the instance URL is empty")
	}
	if user == "" || password == "" {
		return nil, fmt.Errorf("ServiceNow: the user name and the password are both needed")
	}
	c, err := newClient(cfg, func(r *http.Request) { r.SetBasicAuth(user, password) })
	if err != nil {
		return nil, err
	}
	return &ServiceNow{c: c, base: c.base.String()}, nil
}

// snowNumber is a record number (INC0010001): letters and digits only, so
// it cannot add an operator to the encoded query.
var snowNumber = regexp.MustCompile(`^[A-Za-z0-9]+$`)

type snowRecord struct {
	SysID            string `json:"sys_id"`
	Number           string `json:"number"`
	ShortDescription string `json:"short_description"`
	State            string `json:"state"`
	AssignedToEmail  string `json:"assigned_to.email"`
}

// Ticket reads the record numbered key in the table.
func (s *ServiceNow) Ticket(ctx context.Context, table, key string) policy.TicketFact {
	if !snowNumber.MatchString(key) {
		return policy.TicketFact{Key: key}
	}
	q := url.Values{
		"sysparm_query":                  {"number=" + key},
		"sysparm_fields":                 {"sys_id,number,short_description,state,assigned_to.email"},
		"sysparm_limit":                  {"1"},
		"sysparm_exclude_reference_link": {"true"},
	}
	var res struct {
		Result []snowRecord `json:"result"`
	}
	if err := s.c.getJSON(ctx, "/api/now/table/"+url.PathEscape(table), q, &res); err != nil {
		return policy.TicketFact{Key: key, Err: err.Error()}
	}
	if len(res.Result) == 0 {
		return policy.TicketFact{Key: key}
	}
	r := res.Result[0]
	return policy.TicketFact{Found: true, Key: r.Number, Title: r.ShortDescription, Status: r.State, Assignee: r.AssignedToEmail,
		URL: fmt.Sprintf("%s/%s.do?sys_id=%s", s.base, table, url.QueryEscape(r.SysID))}
}

// Ping checks the instance, the credentials and the table (one record).
func (s *ServiceNow) Ping(ctx context.Context, table string) error {
	var res struct {
		Result []snowRecord `json:"result"`
	}
	return s.c.getJSON(ctx, "/api/now/table/"+url.PathEscape(table), url.Values{"sysparm_limit": {"1"}, "sysparm_fields": {"sys_id"}}, &res)
}
