package telegram

import "github.com/botgateway/bot/internal/secret"

// reveal is the package's one call of Secret.Reveal (STYLE §9): the bot
// token goes into request URLs (Telegram's protocol), the webhook secret
// into setWebhook and the constant-time check of each post.
func reveal(s secret.Secret) string { return s.Reveal() }
