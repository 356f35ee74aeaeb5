package config

// The schema of bot.json: which keys exist, what type each holds, and
// which objects have free-form keys. validate walks the parsed document
// against it, so every problem is reported with the line it is on.

// kind is the JSON shape a schema node expects.
type kind int

const (
	kindObject kind = iota // fixed fields, optionally free-form keys (rest)
	kindList               // a list whose elements match elem
	kindString             // a string, optionally one of enum, a URL, non-empty
	kindBool               // true or false
	kindInt                // a whole number in 0..2^31-1
	kindID                 // a platform user id: a string or a whole number
)

// node is one schema node.
type node struct {
	kind kind

	// kindObject
	fields   []field
	rest     *node                  // schema of free-form keys; nil: none allowed
	restKey  func(name string) bool // validates a free-form key's name
	restName string                 // what a free-form key is, for restKey's error
	normKeys bool                   // free-form keys are provider ids (case-insensitive)
	check    func(v *validator, obj objectView)

	// kindList
	elem *node

	// kindString
	enum     []string
	url      bool
	nonEmpty bool
	agentID  bool // empty, or a valid agent id (ValidAgent)
}

// field is one fixed key of an object.
type field struct {
	name     string
	node     *node
	required bool
}

func object(fields ...field) *node { return &node{kind: kindObject, fields: fields} }

func mapOf(elem *node) *node { return &node{kind: kindObject, rest: elem} }

func providerMap(elem *node) *node { return &node{kind: kindObject, rest: elem, normKeys: true} }

func listOf(elem *node) *node { return &node{kind: kindList, elem: elem} }

func str() *node { return &node{kind: kindString} }

func nonEmptyStr() *node { return &node{kind: kindString, nonEmpty: true} }

func urlStr() *node { return &node{kind: kindString, url: true} }

func enum(values ...string) *node { return &node{kind: kindString, enum: values} }

func boolean() *node { return &node{kind: kindBool} }

func integer() *node { return &node{kind: kindInt} }

func f(name string, n *node) field { return field{name: name, node: n} }

func req(name string, n *node) field { return field{name: name, node: n, required: true} }

// envVars is the schema of env.vars and of the env block's flat entries.
func envVars() *node {
	return &node{kind: kindObject, rest: str(), restKey: validEnvName, restName: "environment variable name"}
}

// root is the schema of bot.json.
var root = object(
	f("agents", object(
		f("default", &node{kind: kindString, agentID: true}),
	)),
	f("models", object(
		f("default", str()),
		f("aliases", mapOf(nonEmptyStr())),
		f("allow", listOf(nonEmptyStr())),
		f("providers", providerMap(object(
			f("baseUrl", urlStr()),
		))),
	)),
	f("auth", object(
		f("profiles", mapOf(object(
			req("provider", nonEmptyStr()),
			req("mode", enum(ModeAPIKey, ModeOAuth, ModeToken)),
			f("email", str()),
		))),
		f("order", providerMap(listOf(nonEmptyStr()))),
		f("oauth", providerMap(object(
			f("tokenUrl", urlStr()),
		))),
	)),
	func() field {
		env := envVars()
		env.fields = []field{
			f("shellEnv", object(
				f("enabled", boolean()),
				f("timeoutMs", integer()),
			)),
			f("vars", envVars()),
		}
		return f("env", env)
	}(),
	f("channels", object(
		f("telegram", &node{kind: kindObject, fields: []field{
			f("enabled", boolean()),
			f("token", str()),
			f("allowFrom", listOf(&node{kind: kindID})),
			f("requireMention", boolean()),
			f("dmPolicy", enum("pairing", "allowlist")),
			f("rateLimit", integer()),
			f("webhook", &node{kind: kindObject, fields: []field{
				f("url", urlStr()),
				f("secret", str()),
				f("listen", str()),
			}, check: checkWebhook}),
		}}),
		f("discord", object(
			f("enabled", boolean()),
			f("token", str()),
			f("allowFrom", listOf(&node{kind: kindID})),
			f("guilds", listOf(&node{kind: kindID})),
			f("requireMention", boolean()),
			f("dmPolicy", enum("pairing", "allowlist")),
			f("messageContent", boolean()),
		)),
	)),
	f("gateway", object(
		f("listen", str()),
	)),
	f("sessions", object(
		f("historyTurns", integer()),
	)),
	f("log", object(
		f("level", enum("debug", "info", "warn", "error")),
		f("format", enum("text", "json")),
	)),
)

// checkWebhook requires a secret token with a webhook URL: without one,
// anyone who finds the URL can post updates as Telegram.
func checkWebhook(v *validator, obj objectView) {
	u, ok := obj.member("url")
	if !ok || u.str() == "" {
		return
	}
	if s, ok := obj.member("secret"); ok && s.str() != "" {
		return
	}
	v.errorf(u.nameOff, obj.key.child("secret"), "%s is required with %s: Telegram sends it with every update, so bot can refuse posts that are not Telegram's", obj.key.child("secret").q(), obj.key.child("url").q())
}

// validEnvName reports whether name is a valid environment variable name:
// letters, digits and '_', not starting with a digit.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range []byte(name) {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
