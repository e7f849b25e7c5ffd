package audit

import (
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

func TestLastPrune(t *testing.T) {
	t.Parallel()
	cps := []access.Checkpoint{{Kind: KindPrune, Seq: 10}, {Kind: KindPeriodic, Seq: 50}, {Kind: KindPrune, Seq: 30}, {Kind: KindPrune, Seq: 20}}
	if p := LastPrune(cps); p == nil || p.Seq != 30 || p != &cps[2] {
		t.Errorf("LastPrune = %+v, want the prune checkpoint at seq 30", p)
	}
	if p := LastPrune([]access.Checkpoint{{Kind: KindManual, Seq: 4}}); p != nil {
		t.Errorf("LastPrune without pruning = %+v, want nil", p)
	}
}

func TestCheckPruneSeries(t *testing.T) {
	t.Parallel()
	prune := func(first, seq, count int64) access.Checkpoint {
		return access.Checkpoint{Kind: KindPrune, FirstSeq: first, Seq: seq, Count: count, Hash: []byte{byte(seq)}}
	}
	for _, tc := range []struct {
		name    string
		cps     []access.Checkpoint
		wantErr string // "" when the series is sound
	}{
		{name: "none"},
		{name: "other kinds only", cps: []access.Checkpoint{{Kind: KindPeriodic, Seq: 9, Count: 9}}},
		{name: "contiguous", cps: []access.Checkpoint{prune(1, 10, 10), prune(11, 20, 20), prune(21, 21, 21)}},
		{name: "out of order", cps: []access.Checkpoint{prune(11, 20, 20), prune(1, 10, 10)}},
		{name: "stored and exported twice", cps: []access.Checkpoint{prune(1, 10, 10), prune(1, 10, 10), prune(11, 20, 20)}},
		{name: "the first does not start at 1", cps: []access.Checkpoint{prune(5, 10, 6)}, wantErr: "a pruning checkpoint is missing"},
		{name: "a hole", cps: []access.Checkpoint{prune(1, 10, 10), prune(21, 30, 20)}, wantErr: "a pruning checkpoint is missing"},
		{name: "the count does not grow", cps: []access.Checkpoint{prune(1, 10, 10), prune(11, 20, 10)}, wantErr: "does not follow"},
		{name: "ends before it starts", cps: []access.Checkpoint{prune(1, 0, 1)}, wantErr: "does not follow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := checkPruneSeries(tc.cps)
			switch {
			case tc.wantErr == "" && p != nil:
				t.Errorf("checkPruneSeries = %v, want nil", p)
			case tc.wantErr != "" && (p == nil || p.Kind != ProblemCheckpoint || !strings.Contains(p.Message, tc.wantErr)):
				t.Errorf("checkPruneSeries = %v, want a checkpoint problem containing %q", p, tc.wantErr)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	t.Parallel()
	p := &Problem{Seq: 7, Kind: ProblemEdited, Message: "its content does not match its hash"}
	if got, want := p.Error(), "edited at seq 7: its content does not match its hash"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
