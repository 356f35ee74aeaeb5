package discord

import "github.com/botgateway/bot/internal/secret"

// reveal is the package's one call of Secret.Reveal (STYLE §9): the bot
// token goes into the Authorization header of every request and into the
// gateway's IDENTIFY and RESUME (discordgo's Session.Token).
func reveal(s secret.Secret) string { return s.Reveal() }
