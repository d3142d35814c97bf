import { AppConfig } from '@engine/config';
import { GENERIC_EMAIL_DOMAINS, MINIMUM_PAYOUTS, RuleSettings } from '@engine/domain';

/** The rules' global settings (CONTRACT §3, §9) as configured; the program catalogue itself is data in the database. */
export function ruleSettingsOf(config: Pick<AppConfig, 'partnerEnrollment'>): RuleSettings {
  return { genericEmailDomains: GENERIC_EMAIL_DOMAINS, minimumPayouts: MINIMUM_PAYOUTS, partnerEnrollment: config.partnerEnrollment };
}
