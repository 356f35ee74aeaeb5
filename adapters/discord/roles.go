package discord

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// botRoles remembers, per guild, the bot's own roles: the role Discord
// makes for a bot when it joins a guild (managed, its tags.bot_id the
// bot's id), which users mention as @BotName just as they would the bot.
// discordgo's Role has no tags, so they are read from the raw events.
// It is safe for concurrent use.
type botRoles struct {
	mu      sync.RWMutex
	byGuild map[string][]string
}

// in returns the bot's roles in guild.
func (b *botRoles) in(guild string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.byGuild[guild]
}

// rawRole is a role object as far as botRoles reads it.
type rawRole struct {
	ID   string `json:"id"`
	Tags *struct {
		BotID string `json:"bot_id"`
	} `json:"tags"`
}

func (r rawRole) of(botID string) bool {
	return r.Tags != nil && r.Tags.BotID != "" && r.Tags.BotID == botID
}

// rolesEvent reports whether a gateway event of type t may change the
// bot's roles.
func rolesEvent(t string) bool {
	switch t {
	case "GUILD_CREATE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE", "GUILD_DELETE":
		return true
	}
	return false
}

// event updates the roles from a raw gateway event: GUILD_CREATE (every
// role of the guild), GUILD_ROLE_CREATE/UPDATE/DELETE and GUILD_DELETE;
// other events are not looked at (nor decoded).
func (b *botRoles) event(e *discordgo.Event, botID string) {
	if !rolesEvent(e.Type) {
		return
	}
	var d struct {
		ID      string    `json:"id"`       // GUILD_CREATE, GUILD_DELETE
		Roles   []rawRole `json:"roles"`    // GUILD_CREATE
		GuildID string    `json:"guild_id"` // GUILD_ROLE_*
		Role    *rawRole  `json:"role"`     // GUILD_ROLE_CREATE/UPDATE
		RoleID  string    `json:"role_id"`  // GUILD_ROLE_DELETE
	}
	if json.Unmarshal(e.RawData, &d) != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byGuild == nil {
		b.byGuild = map[string][]string{}
	}
	switch e.Type {
	case "GUILD_CREATE":
		var mine []string
		for _, r := range d.Roles {
			if r.of(botID) {
				mine = append(mine, r.ID)
			}
		}
		b.set(d.ID, mine)
	case "GUILD_DELETE":
		delete(b.byGuild, d.ID)
	case "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE":
		if d.Role == nil {
			return
		}
		mine := slices.DeleteFunc(slices.Clone(b.byGuild[d.GuildID]), func(id string) bool { return id == d.Role.ID })
		if d.Role.of(botID) {
			mine = append(mine, d.Role.ID)
		}
		b.set(d.GuildID, mine)
	case "GUILD_ROLE_DELETE":
		b.set(d.GuildID, slices.DeleteFunc(slices.Clone(b.byGuild[d.GuildID]), func(id string) bool { return id == d.RoleID }))
	}
}

// set records roles as the bot's in guild; b.mu is held.
func (b *botRoles) set(guild string, roles []string) {
	if len(roles) == 0 {
		delete(b.byGuild, guild)
		return
	}
	b.byGuild[guild] = roles
}
