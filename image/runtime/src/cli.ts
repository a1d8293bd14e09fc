// Placeholder entry point until the browse runtime lands.
console.log('browse: runtime not built yet');
