// Package audit is elevate's tamper-evident decision log: the signed
// checkpoints that pin the head of the hash chain (access.ChainLink), Verify
// that checks both and names the first bad entry, and the export of the log
// as JSON lines or CSV.
package audit
