package aws

import (
	"encoding/json"
	"strings"
)

// ActivityPolicyStatements returns the statements session activity needs
// for the configured source, scoped to its event data store or
// log group: exactly the operations of cloudTrailAPI (CloudTrail Lake) or
// logsAPI (CloudWatch Logs Insights). None for source none. partition is
// the AWS partition ("" is aws).
//
// Resource types follow AWS's Service Authorization Reference: the Lake
// query operations take the event data store; logs:StartQuery takes the
// log group, logs:GetQueryResults supports no resource-level permissions.
func ActivityPolicyStatements(source, eventDataStore, logGroup, partition string) []PolicyStatement {
	if partition == "" {
		partition = "aws"
	}
	switch source {
	case ActivitySourceLake:
		eds := eventDataStore
		if !strings.HasPrefix(eds, "arn:") {
			if eds == "" {
				eds = "*"
			}
			eds = "arn:" + partition + ":cloudtrail:*:*:eventdatastore/" + eds
		}
		return []PolicyStatement{{
			Sid:      "SessionActivityCloudTrailLake",
			Effect:   "Allow",
			Action:   []string{"cloudtrail:DescribeQuery", "cloudtrail:GetQueryResults", "cloudtrail:StartQuery"},
			Resource: []string{eds},
			Comment:  "Session activity (activity.source cloudtrail_lake): queries over the event data store.",
		}}
	case ActivitySourceLogs:
		group := logGroup
		if group == "" {
			group = "*"
		}
		return []PolicyStatement{
			{
				Sid:      "SessionActivityLogsStartQuery",
				Effect:   "Allow",
				Action:   []string{"logs:StartQuery"},
				Resource: []string{"arn:" + partition + ":logs:*:*:log-group:" + group, "arn:" + partition + ":logs:*:*:log-group:" + group + ":*"},
				Comment:  "Session activity (activity.source cloudwatch_logs): Logs Insights queries over the trail's log group.",
			},
			{
				Sid:      "SessionActivityLogsResults",
				Effect:   "Allow",
				Action:   []string{"logs:GetQueryResults"},
				Resource: []string{"*"},
				Comment:  "GetQueryResults supports no resource-level permissions.",
			},
		}
	}
	return nil
}

// JSON renders the document as indented JSON.
func (d PolicyDocument) JSON() string {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err) // plain strings: cannot fail
	}
	return string(b)
}

// PolicyPartition returns the partition of an ARN, "aws" when it has none.
func PolicyPartition(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}
