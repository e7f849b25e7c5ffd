package config

import (
	"fmt"
	"time"
)

// Activity sources (activity.source).
const (
	ActivityNone = "none"
	ActivityLake = "cloudtrail_lake"
	ActivityLogs = "cloudwatch_logs"
)

// Activity configures session activity (docs/audit.md
// "Session activity"): the CloudTrail events of each grant's session,
// fetched after the grant ends and on demand while it is active.
type Activity struct {
	// Source is none, cloudtrail_lake or cloudwatch_logs. Default none.
	Source string `yaml:"source"`
	// EventDataStore is the CloudTrail Lake event data store ARN (or id);
	// required for cloudtrail_lake.
	EventDataStore string `yaml:"event_data_store"`
	// LogGroup is the CloudWatch Logs log group a trail delivers to;
	// required for cloudwatch_logs.
	LogGroup string `yaml:"log_group"`
	// Region of the event data store or log group. Default: aws.region.
	Region string `yaml:"region"`
	// Delay is how long after a grant's end its activity is fetched, for
	// CloudTrail's delivery lag. Default 15m.
	Delay time.Duration `yaml:"delay"`
	// Margin is how long after a grant's end its session's events still
	// count. Default 0s: the permission set's session duration.
	Margin time.Duration `yaml:"margin"`
}

// validate checks the activity settings.
func (a Activity) validate() []error {
	var errs []error
	switch a.Source {
	case "", ActivityNone:
	case ActivityLake:
		if a.EventDataStore == "" {
			errs = append(errs, fmt.Errorf("activity.event_data_store: required with activity.source %s (the event data store ARN)", ActivityLake))
		}
	case ActivityLogs:
		if a.LogGroup == "" {
			errs = append(errs, fmt.Errorf("activity.log_group: required with activity.source %s (the log group the trail delivers to)", ActivityLogs))
		}
	default:
		errs = append(errs, fmt.Errorf("activity.source: %q is not none, %s or %s", a.Source, ActivityLake, ActivityLogs))
	}
	if a.Delay < 0 {
		errs = append(errs, fmt.Errorf("activity.delay: %s is negative", a.Delay))
	}
	if a.Margin < 0 {
		errs = append(errs, fmt.Errorf("activity.margin: %s is negative; 0s uses the permission set's session duration", a.Margin))
	}
	return errs
}
