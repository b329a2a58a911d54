import nodemailer from 'nodemailer'

/** One e-mail of a report: an HTML body with a plain-text alternative, and attachments. */
export interface MailMessage {
  to: string[]
  subject: string
  text: string
  html?: string
  attachments: { filename: string; content: string; contentType: string }[]
}

export type SendMail = (message: MailMessage) => Promise<void>

/**
 * Reports by e-mail through an SMTP server (CCSCOPE_SMTP_URL: smtp://user:pass@host:587, STARTTLS when
 * the server offers it; smtps://… for implicit TLS), with nodemailer. A message the server refuses throws,
 * and the runner retries it like a webhook.
 */
export function createMailer(url: string, from: string, timeoutMs = 30_000): SendMail {
  // Bounded: a server that accepts the connection and then stalls must not hold a round forever.
  const transport = nodemailer.createTransport({ url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs }, { from })
  return async (message) => {
    await transport.sendMail({ from, ...message })
  }
}
