package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Directory configures how identity store changes reach elevate between
// directory syncs.
type Directory struct {
	// EventsQueueURL is the SQS queue an EventBridge rule feeds with the
	// identity store's changes (a user disabled or deleted, removed from a
	// group): elevate long-polls it and revokes what the user may no longer
	// have within a minute (docs/operations.md). Default none: changes are
	// seen at the next directory sync (jobs.sync_interval).
	EventsQueueURL string `yaml:"events_queue_url"`
}

// validate checks the queue URL's form: https://sqs.<region>.amazonaws.com/<account>/<name>
// (or any http(s) URL whose path is /<account>/<name>, as a local SQS serves).
func (d Directory) validate() []error {
	u := d.EventsQueueURL
	if u == "" {
		return nil
	}
	pu, err := url.Parse(u)
	parts := []string{}
	if err == nil {
		parts = strings.Split(strings.Trim(pu.Path, "/"), "/")
	}
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" || len(parts) != 2 ||
		len(parts[0]) != 12 || strings.Trim(parts[0], "0123456789") != "" || parts[1] == "" {
		return []error{fmt.Errorf("directory.events_queue_url: %q is not an SQS queue URL: copy the queue's URL from the SQS console or `aws sqs get-queue-url`, like https://sqs.us-east-1.amazonaws.com/111122223333/elevate-directory-events", u)}
	}
	return nil
}
