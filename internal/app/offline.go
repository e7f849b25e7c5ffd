package app

import (
	"context"
	"errors"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// errOffline is what AWS use returns in an app built with Options.Offline.
var errOffline = errors.New("this command works on the database only and makes no AWS call: run `elevate serve` (or `elevate sync` against it) for AWS work")

// offlineProvider stands in for the Identity Center provider in the
// database-only commands: every call fails with errOffline, so no
// credentials, region or network are needed.
type offlineProvider struct{}

func (offlineProvider) CreateAssignment(context.Context, access.Assignment) (string, error) {
	return "", errOffline
}

func (offlineProvider) DeleteAssignment(context.Context, access.Assignment, time.Time) (string, error) {
	return "", errOffline
}

func (offlineProvider) AssignmentExists(context.Context, access.Assignment) (bool, error) {
	return false, errOffline
}

func (offlineProvider) FetchDirectory(context.Context) (access.Directory, error) {
	return access.Directory{}, errOffline
}
