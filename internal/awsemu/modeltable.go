package awsemu

//go:generate go run ./internal/modelgen -models ../../../shared/aws-models -out model_gen.go

// Types of the generated table in model_gen.go.

// genService is one AWS service model.
type genService struct {
	Dir          string // model directory, e.g. "sso-admin"
	TargetPrefix string // X-Amz-Target prefix (awsJson services)
	Protocol     string // "rest-xml" for REST services, "" for awsJson
	APIVersion   string
}

// genRESTOperation is one implemented operation of a REST service.
type genRESTOperation struct {
	Service string // model directory
	Name    string
	Method  string   // HTTP method
	URI     string   // request URI template, e.g. /{Bucket}/{Key+}
	Input   string   // key of the input shape in genShapes
	Errors  []string // modeled error shapes
}

// genBinding says where a REST operation's input member is in the request.
type genBinding struct {
	Member   string
	Location string // uri, querystring, header, headers (a name prefix) or body
	Name     string // the URI label, query parameter, header or header prefix
}

// genOperation is one implemented operation.
type genOperation struct {
	Service string   // model directory
	Target  string   // X-Amz-Target
	Name    string   // operation name
	Input   string   // key of the input shape in genShapes; "" when the operation has no input
	Errors  []string // modeled error shapes
}

// genShape is one named model shape. Type is the model's type, except that
// structures marked union or document get the type "union" or "document".
// Min and Max are lengths for strings and lists and values for numbers.
type genShape struct {
	Type           string
	Pattern        string // RE2 syntax, unanchored as in the model; "" when none
	Min, Max       int64
	HasMin, HasMax bool
	Enum           []string
	Member         string // list element shape
	Key, Value     string // map key and value shapes
	Members        []genMember
}

// genMember is a structure or union member.
type genMember struct {
	Name     string
	Shape    string
	Required bool
}
