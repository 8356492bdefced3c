export * from './tag-schema';
