package aws

// AnchorPolicyStatements returns the statements the S3 anchor sink needs
// (audit.anchors.s3): write and read the anchors under the prefix, list
// it, and nothing that deletes. None without a bucket. partition is the
// AWS partition ("" is aws).
func AnchorPolicyStatements(bucket, prefix, partition string) []PolicyStatement {
	if bucket == "" {
		return nil
	}
	if partition == "" {
		partition = "aws"
	}
	b := "arn:" + partition + ":s3:::" + bucket
	return []PolicyStatement{
		{
			Sid:      "AuditAnchorsWrite",
			Effect:   "Allow",
			Action:   []string{"s3:GetObject", "s3:PutObject", "s3:PutObjectRetention"},
			Resource: []string{b + "/" + prefix + "*"},
			Comment:  "Audit anchors (audit.anchors.s3): each anchor is put once with a compliance-mode retention and read back by verify; no delete.",
		},
		{
			Sid:      "AuditAnchorsList",
			Effect:   "Allow",
			Action:   []string{"s3:ListBucket"},
			Resource: []string{b},
			Comment:  "verify lists the anchors under the prefix.",
		},
	}
}
