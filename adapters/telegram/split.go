package telegram

import "github.com/botgateway/bot/adapters/internal/textsplit"

// maxText is Telegram's limit on a message's text, in UTF-16 code units
// after entity parsing.
const maxText = 4096

// The splitting rule is shared with the Discord adapter (textsplit).
var (
	len16        = textsplit.Len16
	split        = textsplit.Split
	fenceOpen    = textsplit.FenceOpen
	isFenceClose = textsplit.IsFenceClose
)
