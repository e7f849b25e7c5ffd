// Package audit is the pure logic of elevate's tamper-evident decision log:
// the signed checkpoints that pin the head of the hash chain
// (access.ChainLink) and their keys, the Verifier that checks entries and
// checkpoints fed to it and names the first bad entry, the pruning ranges
// and their checkpoints, and the export of entries as JSON lines or CSV.
// It never reads the store: workflow's AuditLog reads and writes the log in
// its transactions and calls this package.
package audit
