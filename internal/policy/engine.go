package policy

import (
	"slices"
	"sync"
)

// Engine is a compiled policy over one directory snapshot. It is safe for
// concurrent use; build a new one when the policy or the directory changes.
type Engine struct {
	doc      Document
	x        *Index
	rules    []crule
	arules   []carule
	byUser   map[int32][]int32 // user -> rules naming them
	byGroup  map[int32][]int32 // group -> rules naming it
	arByAcct map[int32][]int32
	arByOU   map[int32][]int32
	arAll    []int32
	problems []Problem
	allOnce  sync.Once
	all      []int32
	byRank   []int32   // rules from the least restrictive
	offers   sync.Pool // *[]int64 buffers of ListEligible
}

// Problems lists what in the document is invalid or does not resolve.
func (e *Engine) Problems() []Problem { return slices.Clone(e.problems) }

// Document returns the normalized document the engine was built from.
func (e *Engine) Document() Document { return e.doc }

// Settings returns the document's settings, defaults filled in.
func (e *Engine) Settings() Settings { return e.doc.Settings }

// Index returns the directory index.
func (e *Engine) Index() *Index { return e.x }
