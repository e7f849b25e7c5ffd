package app

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/aws"
)

// deadlineProvider adapts *aws.Provider to workflow.Provider: a deletion
// carries its deadline, so that when many grants end at once the earliest
// deadlines get AWS's in-flight slots first.
type deadlineProvider struct{ *aws.Provider }

// DeleteAssignment removes a, ranked by deadline while it waits for a slot.
func (p deadlineProvider) DeleteAssignment(ctx context.Context, a access.Assignment, deadline time.Time) (string, error) {
	return p.DeleteAssignmentBy(ctx, a, deadline)
}
