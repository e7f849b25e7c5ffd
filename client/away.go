package client

import (
	"context"
	"time"
)

// Away is the caller's absence: while it lasts, requests that would ask
// them to approve ask Delegate instead.
type Away struct {
	Away       bool       `json:"away"`
	Until      *time.Time `json:"until"`
	Delegate   string     `json:"delegate"`
	DelegateID string     `json:"delegate_id"`
}

// GetAway returns the caller's absence.
func (c *Client) GetAway(ctx context.Context) (*Away, error) {
	var out Away
	if err := c.do(ctx, "GET", "/me/away", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetAway records that the caller is away until until, with delegate (a
// user name, email or id) approving in their place.
func (c *Client) SetAway(ctx context.Context, until time.Time, delegate string) (*Away, error) {
	var out Away
	body := map[string]string{"until": until.UTC().Format(time.RFC3339), "delegate": delegate}
	if err := c.do(ctx, "PUT", "/me/away", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ClearAway ends the caller's absence now.
func (c *Client) ClearAway(ctx context.Context) (*Away, error) {
	var out Away
	if err := c.do(ctx, "DELETE", "/me/away", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
