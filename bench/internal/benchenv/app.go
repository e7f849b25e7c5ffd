package benchenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/config"
)

// StartApp runs the app with cfg in process against the AWS emulator at
// endpoint (static credentials), logging at debug level to stderr when
// verbose, and returns once it serves. stop ends it and returns its error
// (nil when it only stopped because of stop).
func StartApp(ctx context.Context, cfg config.Config, endpoint string, verbose bool) (a *app.App, stop func() error, err error) {
	logger := slog.New(slog.DiscardHandler)
	if verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	awsCfg := awssdk.Config{Region: "us-east-1", BaseEndpoint: awssdk.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	runCtx, cancel := context.WithCancel(ctx)
	a, err = app.New(runCtx, cfg, app.Options{Logger: logger, AWSConfig: &awsCfg, AutoMigrate: true})
	if err != nil {
		cancel()
		return nil, nil, err
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- a.RunThen(runCtx, func(context.Context) error { close(started); return nil }) }()
	select {
	case <-started:
	case err := <-done:
		cancel()
		return nil, nil, fmt.Errorf("app stopped before serving: %w", err)
	}
	return a, func() error {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("app: %w", err)
		}
		return nil
	}, nil
}
