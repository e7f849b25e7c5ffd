package app

import (
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

// wireActivity turns session activity on when activity.source names a
// source: the workflow schedules a fetch when a grant
// ends and on refresh; the fetch_activity job runs it.
func (a *App) wireActivity(cfg config.Config, awsCfg awssdk.Config) error {
	c := cfg.Activity
	if c.Source == "" || c.Source == config.ActivityNone {
		return nil
	}
	region := c.Region
	if region == "" {
		region = cfg.AWS.Region
	}
	src, err := aws.NewActivitySourceFromConfig(awsCfg, aws.ActivityConfig{Source: c.Source, EventDataStore: c.EventDataStore,
		LogGroup: c.LogGroup, Region: region, Logger: a.log.With("component", "activity")})
	if err != nil {
		return fmt.Errorf("activity source %s: %w", c.Source, err)
	}
	if src == nil {
		return nil
	}
	a.svc.SetActivity(src, workflow.ActivityOptions{Source: c.Source, Delay: c.Delay, Margin: c.Margin})
	return nil
}
