package awsemu

// PutAssignment makes a exist at once, as if someone had created it outside
// elevate (console, another tool): no provisioning request, no rate limit.
// Drift tests use it.
func (e *Emulator) PutAssignment(a Assignment) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked(e.now())
	if _, ok := e.assignments[a]; !ok {
		e.assignments[a] = e.now()
		e.markProvisioned(a)
	}
}

// DropAssignment removes a at once, as if someone had deleted it outside
// elevate. It reports whether a existed.
func (e *Emulator) DropAssignment(a Assignment) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked(e.now())
	_, ok := e.assignments[a]
	delete(e.assignments, a)
	return ok
}
