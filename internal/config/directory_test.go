package config

import (
	"strings"
	"testing"
)

func TestDirectoryEventsQueueURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://sqs.us-east-1.amazonaws.com/111122223333/elevate-directory-events", true},
		{"http://127.0.0.1:4566/111122223333/events", true},
		{"elevate-directory-events", false},
		{"arn:aws:sqs:us-east-1:111122223333:elevate-directory-events", false},
		{"https://sqs.us-east-1.amazonaws.com/elevate-directory-events", false},
		{"https://sqs.us-east-1.amazonaws.com/1111/events", false},
		{"ftp://sqs.us-east-1.amazonaws.com/111122223333/events", false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			c := Default()
			c.Directory.EventsQueueURL = tc.url
			err := c.Validate()
			if tc.ok && err != nil {
				t.Errorf("Validate() = %v, want ok", err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), "directory.events_queue_url") || !strings.Contains(err.Error(), "get-queue-url")) {
				t.Errorf("Validate() = %v, want an error naming the key and how to find the URL", err)
			}
		})
	}
}
