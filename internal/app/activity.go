package app

import (
	"fmt"
	"log/slog"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

// newActivitySource returns the session-activity source that activity.source
// names, or nil when it is off: with one, the workflow schedules a fetch
// when a grant ends and on refresh, and the fetch_activity job runs it.
func newActivitySource(cfg config.Config, awsCfg awssdk.Config, log *slog.Logger) (workflow.ActivitySource, workflow.ActivityOptions, error) {
	c := cfg.Activity
	opts := workflow.ActivityOptions{Source: c.Source, Delay: c.Delay, Margin: c.Margin}
	if c.Source == "" || c.Source == config.ActivityNone {
		return nil, opts, nil
	}
	region := c.Region
	if region == "" {
		region = cfg.AWS.Region
	}
	src, err := aws.NewActivitySourceFromConfig(awsCfg, aws.ActivityConfig{Source: c.Source, EventDataStore: c.EventDataStore,
		LogGroup: c.LogGroup, Region: region, Logger: log.With("component", "activity")})
	if err != nil {
		return nil, opts, fmt.Errorf("activity source %s: %w", c.Source, err)
	}
	if src == nil {
		return nil, opts, nil
	}
	return src, opts, nil
}
