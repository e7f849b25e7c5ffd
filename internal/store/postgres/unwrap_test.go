package postgres

import "testing"

// UnwrapTx refuses a transaction of another engine instead of handing the
// job inserter something it can't write with.
func TestUnwrapTxOtherEngine(t *testing.T) {
	t.Parallel()
	if _, err := UnwrapTx(nil); err == nil {
		t.Error("UnwrapTx(nil) succeeded")
	}
}
