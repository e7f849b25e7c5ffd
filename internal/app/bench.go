package app

import (
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// Store is the app's database (benchmarks insert grants in bulk with it).
func (a *App) Store() store.Store { return a.store }

// Scheduler is the app's job inserter, to schedule jobs in a store
// transaction (benchmarks).
func (a *App) Scheduler() workflow.Scheduler { return a.sched }
