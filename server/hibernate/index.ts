export { DEFAULT_HIBERNATE_SETTINGS, HibernateService, type HibernateSettings } from './HibernateService.js';
