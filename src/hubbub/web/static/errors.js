// Slack's error codes in words: what a person reads in a toast or a dialog says what went
// wrong and what to do, never the code itself (the code stays in the console and the title).

const WORDS = {
  // Messages
  msg_too_long: "The message is too long. Split it into shorter ones.",
  no_text: "There is nothing to send.",
  too_many_attachments: "The message has too many attachments.",
  cant_update_message: "Only its author can edit that message.",
  cant_delete_message: "Only its author or an admin can delete that message.",
  edit_window_closed: "It is too late to edit that message.",
  message_not_found: "That message is gone: someone deleted it.",
  thread_not_found: "That thread is gone: someone deleted its first message.",
  // Conversations
  channel_not_found: "That conversation does not exist, or you cannot see it.",
  not_in_channel: "You are not a member of that conversation. Join it first.",
  is_archived: "The conversation is archived: nothing more can be posted in it.",
  restricted_action: "Only admins may do that in this workspace.",
  method_not_supported_for_channel_type: "That cannot be done in this kind of conversation.",
  already_in_channel: "They are already in the conversation.",
  cant_invite_self: "You are already in the conversation.",
  user_not_found: "That person is not in this workspace.",
  users_not_found: "Some of those people are not in this workspace.",
  too_many_users: "Too many people for one group message: at most 8.",
  user_is_bot: "Apps cannot be added that way.",
  // Channel names, as Slack states its rules
  name_taken: "That name is already taken by a channel, a person or a user group.",
  invalid_name: "That name is not allowed. Try another.",
  invalid_name_required: "Give the channel a name.",
  invalid_name_maxlength: "Channel names can't be longer than 80 characters.",
  invalid_name_specials: "Channel names can only contain lowercase letters, numbers, hyphens and underscores.",
  invalid_name_punctuation: "Channel names need at least one letter or number.",
  // Reactions and pins
  already_reacted: "You have already reacted with that emoji.",
  no_reaction: "That reaction is already gone.",
  too_many_reactions: "That message has as many reactions as it can take.",
  too_many_emoji: "That message has as many different emoji as it can take.",
  already_pinned: "That message is already pinned.",
  no_pin: "That message is not pinned.",
  // Files
  file_not_found: "That file is gone.",
  file_deleted: "That file has been deleted.",
  cant_delete_file: "Only its uploader or an admin can delete that file.",
  file_upload_size_restricted: "That file is larger than this workspace allows.",
  storage_limit_reached: "This workspace has no room left for files.",
  // Apps and commands
  invalid_command: "There is no such command here.",
  not_interactive: "That app does not take button presses.",
  app_not_found: "The app that posted that is not in this workspace.",
  block_not_found: "That part of the message is gone: the app changed it.",
  action_not_found: "That button is gone: the app changed the message.",
  invalid_option: "That choice is not offered any more.",
  invalid_date: "That is not a date.",
  dispatch_failed: "The app did not take that. Try again in a moment.",
  not_found: "That window is gone: the app closed it.",
  invalid_arguments: "Something in that is not right. Check it and try again.",
  // Search
  no_query: "Type something to search for.",
  // The session and the server
  invalid_invite: "That invite link is no longer valid.",
  not_authed: "You are signed out. Sign in again.",
  invalid_auth: "You are signed out. Sign in again.",
  account_inactive: "Your account has been deactivated.",
  missing_scope: "You are not allowed to do that.",
  not_allowed_token_type: "You are not allowed to do that.",
  ratelimited: "Too much at once. Wait a moment and try again.",
  request_too_large: "That is too large to send.",
  internal_error: "The server had a problem. Try again in a moment.",
  fatal_error: "The server had a problem. Try again in a moment.",
  operation_timeout: "The server took too long. Try again in a moment.",
};

// err: a SlackError (api.js), a failed fetch, or anything else thrown.
export function describe(err) {
  if (typeof err?.error === "string") return WORDS[err.error] ?? "Something went wrong. Try again in a moment.";
  if (err instanceof TypeError) return "The server cannot be reached. Check the connection and try again.";
  return "Something went wrong. Try again in a moment.";
}
